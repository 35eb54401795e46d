import { BrokerHarness } from './support/broker-harness.js';
import { RecordingClient } from './support/socket-client.js';

const JOIN_URL_TEMPLATE = 'https://frontline.example.com/acme/#/call/{callId}';

describe('call.invite tells the glasses how to join', () => {
  let sut: BrokerHarness;
  const clients: RecordingClient[] = [];
  const connect = async (personId: string) => {
    const client = await RecordingClient.connect(sut.url, sut.token(personId));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    sut = await new BrokerHarness({
      env: { XASSIST_JOIN_URL_TEMPLATE: JOIN_URL_TEMPLATE, TECHNICIAN_JOIN_TIMEOUT_MS: '600000' },
    }).start();
  });
  afterEach(() => clients.splice(0).forEach((client) => client.close()));
  afterAll(async () => {
    await sut.stop();
  });

  it('carries the xAssist call id and the join URL, live and again on reconnect', async () => {
    const tom = await connect('tom');
    const { body: call } = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { expertIds: ['erika'], title: 'Pump 7' },
    });
    sut.simulator.state.join(call.xassistCallId, 'erika');

    const live = await tom.next('call.invite', (invite) => invite.call.id === call.id);
    expect(live).toEqual({
      call: expect.objectContaining({ id: call.id, status: 'expert_joined' }),
      expert: { id: 'erika', displayName: 'Erika Expert' },
      xassistCallId: call.xassistCallId,
      joinUrl: `https://frontline.example.com/acme/#/call/${call.xassistCallId}`,
    });

    tom.close();
    const back = await connect('tom');
    const again = await back.next('call.invite', (invite) => invite.call.id === call.id);
    expect(again.joinUrl).toBe(live.joinUrl);
    expect(again.xassistCallId).toBe(call.xassistCallId);
  });

  it("gives the call's expert the same join URL over REST (GET /v1/calls/:id/join), nobody else", async () => {
    const { body: call } = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { expertIds: ['erika'], title: 'Pump 8' },
    });
    const join = await sut.api('GET', `/v1/calls/${call.id}/join`, { as: 'erika' });
    expect(join.status).toBe(200);
    expect(join.body).toEqual({
      callId: call.id,
      xassistCallId: call.xassistCallId,
      joinUrl: `https://frontline.example.com/acme/#/call/${call.xassistCallId}`,
    });
    const outsider = await sut.api('GET', `/v1/calls/${call.id}/join`, { as: 'ed' });
    expect(outsider.status).toBe(404);
  });
});

import { jest } from '@jest/globals';
import { waitFor } from './support/broker-harness.js';
import { ProductionBrokers } from './support/production-broker.js';
import { RecordingClient } from './support/socket-client.js';

describe('kill -9 while a request waits in its queue (issue 11)', () => {
  jest.setTimeout(120_000);
  const brokers = new ProductionBrokers('queued-kill9');
  const { simulator } = brokers;

  beforeAll(() =>
    brokers.setUp({
      queues: [{ id: 'pumps', skills: ['pumps'], offerTimeoutSeconds: 120 }],
      env: { ROUTING_TICK_MS: '100' },
    }),
  );
  afterAll(() => brokers.tearDown());

  it('keeps the request and its pending offer; the accept after the restart rings the glasses', async () => {
    const first = await brokers.start();
    const available = { body: { status: 'available' } };
    expect(
      (await brokers.api(first.url, 'PUT', '/v1/presence/me', 'erika', available)).status,
    ).toBe(200);
    const body = { queueId: 'pumps', title: 'P7' };
    const asked = await brokers.api(first.url, 'POST', '/v1/calls', 'tom', { body });
    expect(asked.body.status).toBe('queued');
    const pending = await waitFor(
      async () => (await brokers.api(first.url, 'GET', '/v1/offers', 'erika')).body.offers,
      (offers: any[]) => offers.length === 1,
    );
    expect(pending).toHaveLength(1);
    await first.run.stop('SIGKILL');

    const second = await brokers.start();
    const stillQueued = await brokers.api(second.url, 'GET', `/v1/calls/${asked.body.id}`, 'sam');
    expect(stillQueued.body).toMatchObject({ status: 'queued', queue: { id: 'pumps' } });
    const erika = await RecordingClient.connect(second.url, brokers.token('erika'));
    const glasses = await RecordingClient.connect(second.url, brokers.token('tom'));
    try {
      // The pending offer survived, and is offered again to her new socket.
      const again = await erika.next('offer.created', (o) => o.offer.id === pending[0].offer.id);
      const accepted = await erika.socket.emitWithAck('offer.accept', { offerId: again.offer.id });
      expect(accepted).toMatchObject({ call: { status: 'ringing', acceptedBy: { id: 'erika' } } });
      const [xassistCall] = simulator.state.listCalls();
      simulator.state.join(xassistCall.callId, 'erika');
      const invite = await glasses.next('call.invite', (i) => i.call.id === asked.body.id, 10_000);
      expect(invite.expert).toEqual({ id: 'erika', displayName: 'Erika Expert' });
      expect(simulator.state.listCalls()).toHaveLength(1);
    } finally {
      erika.close();
      glasses.close();
    }
  });
});

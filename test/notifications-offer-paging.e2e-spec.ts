import { ChatMessengerStandIn } from '../src/notifications/stand-ins/chat-messenger.stand-in.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { camChannel, ChannelsFile } from './support/channels-file.js';
import {
  offerPagingEnv,
  offersPagedThrough,
  peopleOnCam,
  pumpsQueues,
} from './support/people-on-cam.js';
import { SocketClients } from './support/socket-client.js';

/** Both experts can take pumps and are known to CAM by email. */
const OFFER_PEOPLE = peopleOnCam('erika', 'ed');
const QUEUES = pumpsQueues({ strategy: 'ring_all', maxWaitSeconds: 60 });

describe.each(await brokerDatabases('paging offers'))(
  'paging an offer to an expert with no dashboard open on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    let cam: ChatMessengerStandIn;
    const channelsFile = new ChannelsFile();
    const clients = new SocketClients(() => sut);
    const messagesAbout = (title: string) =>
      cam.messages.filter((m: any) => String(m.message).includes(title)) as any[];
    const presence = (as: string, status: string) =>
      sut.api('PUT', '/v1/presence/me', { as, body: { status } });

    beforeAll(async () => {
      cam = await new ChatMessengerStandIn({ apiToken: 'cam-token', basePath: '/api' }).start();
      const file = channelsFile.write(offersPagedThrough(camChannel('cam-direct', cam)));
      sut = await new BrokerHarness({
        publicUrl: true,
        people: OFFER_PEOPLE,
        queues: QUEUES,
        database: create,
        env: offerPagingEnv(file, 50),
      }).start();
    });
    afterEach(() => clients.closeAll());
    afterAll(async () => {
      expect(sut.secretsInLogs()).toEqual([]);
      await sut.stop();
      await cam.close();
      channelsFile.remove();
    });

    it('messages an available expert with no socket directly, naming them, with a link that accepts', async () => {
      expect((await presence('erika', 'available')).status).toBe(200);
      const asked = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { title: 'Pump 9 leaking', queueId: 'pumps' },
      });
      expect(asked.status).toBe(201);

      const [message] = await waitFor(
        async () => messagesAbout('Pump 9 leaking'),
        (m) => m.length >= 1,
      );
      expect(message).toMatchObject({
        panelName: 'messenger',
        generalPurposes: { users: 'erika.cam@acme.example' },
      });
      const content = String(message.message);
      expect(content).toContain('Offered to you: Pump 9 leaking');
      expect(content).toContain('Erika Expert');
      const link = /(http:\/\/\S+\/accept\/[A-Za-z0-9_.-]+)/.exec(content)?.[1];
      expect(link?.startsWith(`${sut.url}/accept/`)).toBe(true);

      const accepted = await fetch(link!, { method: 'POST', redirect: 'manual' });
      expect([accepted.status, await accepted.text()]).toEqual([
        200,
        expect.stringContaining('Accepted'),
      ]);
      const call = await sut.waitForCall(asked.body.id, (c) => c.status === 'ringing');
      expect(call).toMatchObject({ acceptedBy: { id: 'erika' } });

      // One row, delivered once, for the one expert offered (ed is offline: no offer, no page).
      await sut.settled();
      expect(messagesAbout('Pump 9 leaking')).toHaveLength(1);
      const rows = await sut.api('GET', '/v1/deliveries?status=delivered', { as: 'sam' });
      const pages = rows.body.deliveries.filter(
        (d: any) => d.eventType === 'page.offered' && d.callId === asked.body.id,
      );
      expect(pages.map((d: any) => [d.webhookId, d.attempts])).toEqual([['cam-direct', 1]]);
      await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'sam' });
    });

    it('does not page an expert whose dashboard socket is open: the dashboard shows the offer', async () => {
      expect((await presence('erika', 'away')).status).toBe(200);
      const ed = await clients.connect('ed');
      await ed.socket.emitWithAck('presence.set', { status: 'available' });
      const asked = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { title: 'Pump 11 noisy', queueId: 'pumps' },
      });
      expect(asked.status).toBe(201);
      await ed.next('offer.created', (o) => o.call.id === asked.body.id);

      await sut.settled(); // the offer's page decided, and anything written sent
      expect(messagesAbout('Pump 11 noisy')).toEqual([]);
      const rows = await sut.api('GET', '/v1/deliveries', { as: 'sam' });
      expect(
        rows.body.deliveries.filter(
          (d: any) => d.eventType === 'page.offered' && d.callId === asked.body.id,
        ),
      ).toEqual([]);
      await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'sam' });
    });
  },
);

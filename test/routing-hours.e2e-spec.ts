import { ChatMessengerStandIn } from '../src/notifications/stand-ins/chat-messenger.stand-in.js';
import { XASSIST_PATHS } from '../src/xassist-contract/xassist-contract.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { camChannel, ChannelsFile } from './support/channels-file.js';
import { offerPagingEnv, offersPagedThrough, peopleOnCam } from './support/people-on-cam.js';
import { curePoison, poisonEventTypes } from './support/poisoned-events.js';
import { closedAroundToday } from './support/queues.js';
import { RecordingClient } from './support/socket-client.js';

/**
 * Business hours (docs/routing.md): both queues open 08:00-17:00 every day in Berlin, and today,
 * yesterday and tomorrow (Berlin dates, worked out at start) are holidays, so "now" is outside
 * hours whatever the wall clock says, and the queues open next the day after tomorrow at 08:00.
 */
const { hours, nextOpening: NEXT_OPENING } = closedAroundToday('Europe/Berlin');
const QUEUES = [
  { id: 'night', name: 'Night shift', skills: ['pumps'], ...hours },
  { id: 'evening', name: 'Evening', skills: ['pumps'], ...hours, callbackOnUnanswered: true },
  {
    id: 'pumps',
    name: 'Pumps',
    skills: ['pumps'],
    maxWaitSeconds: 120,
    ...hours,
    outsideHours: 'on_call',
    // erika is on call all week; ed (pumps too, and available) is not.
    onCall: { rota: [{ expertId: 'erika', from: 'mon 00:00', to: 'sun 24:00' }] },
  },
];

describe.each(await brokerDatabases('business hours'))(
  'a request outside business hours on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    let cam: ChatMessengerStandIn;
    const channelsFile = new ChannelsFile();
    const clients: RecordingClient[] = [];
    const messagesAbout = (title: string) =>
      cam.messages.filter((m: any) => String(m.message).includes(title)) as any[];
    const ask = (queueId: string, title: string) =>
      sut.api('POST', '/v1/calls', { as: 'tom', body: { title, queueId } });

    beforeAll(async () => {
      cam = await new ChatMessengerStandIn({ apiToken: 'cam-token', basePath: '/api' }).start();
      const file = channelsFile.write(offersPagedThrough(camChannel('cam-direct', cam)));
      sut = await new BrokerHarness({
        publicUrl: true,
        people: peopleOnCam('erika', 'ed'),
        queues: QUEUES,
        database: create,
        // A creation can take 2 x (500 + 1500) ms: older `creating` calls are interrupted ones.
        env: {
          ...offerPagingEnv(file, 50),
          XASSIST_CONNECT_TIMEOUT_MS: '500',
          XASSIST_REQUEST_TIMEOUT_MS: '1500',
        },
      }).start();
    });
    afterEach(() => {
      for (const client of clients.splice(0)) client.close();
    });
    afterAll(async () => {
      expect(sut.secretsInLogs()).toEqual([]);
      await sut.stop();
      await cam.close();
      channelsFile.remove();
    });

    it('a closed queue answers 201 closed with the next opening; nothing is rung or offered', async () => {
      expect(
        (await sut.api('PUT', '/v1/presence/me', { as: 'ed', body: { status: 'available' } }))
          .status,
      ).toBe(200);
      const tom = await RecordingClient.connect(sut.url, sut.token('tom'));
      clients.push(tom);
      const asked = await ask('night', 'Pump 3 at night');
      expect(asked.status).toBe(201);
      // Told like any status change: the technician's socket hears it.
      const told = await tom.next('call.updated', (u) => u.call.id === asked.body.id);
      expect(told.call).toMatchObject({ status: 'closed', nextOpensAt: NEXT_OPENING });
      expect(told.events.map((e: any) => e.type)).toEqual(['status.closed']);
      expect(asked.body).toMatchObject({
        status: 'closed',
        nextOpensAt: NEXT_OPENING,
        queue: { id: 'night', position: null },
        xassistCallId: null,
        experts: [],
        endedAt: expect.any(String),
      });
      await sut.settled();
      expect(
        (await sut.api('GET', `/v1/calls/${asked.body.id}`, { as: 'tom' })).body,
      ).toMatchObject({
        status: 'closed',
        nextOpensAt: NEXT_OPENING,
      });
      expect(sut.simulator.state.listCalls()).toHaveLength(0);
      expect((await sut.api('GET', '/v1/offers?status=pending', { as: 'ed' })).body.offers).toEqual(
        [],
      );
      const queues = await sut.api('GET', '/v1/queues', { as: 'tom' });
      expect(queues.body.queues.find((q: any) => q.id === 'night')).toMatchObject({
        waiting: 0,
        open: false,
        nextOpensAt: NEXT_OPENING,
        onCall: null,
      });
      // The on_call queue names whom a request now would be paged to.
      expect(queues.body.queues.find((q: any) => q.id === 'pumps')).toMatchObject({
        open: false,
        nextOpensAt: NEXT_OPENING,
        onCall: { id: 'erika', displayName: 'Erika Expert' },
      });
      expect(messagesAbout('Pump 3 at night')).toEqual([]);
      const metrics = (await sut.api('GET', '/metrics')).body as string;
      expect(metrics).toMatch(/broker_routing_closed_total\{queue="night"\} 1\b/);
      await sut.api('PUT', '/v1/presence/me', { as: 'ed', body: { status: 'away' } });
    });

    it('an on_call queue pages the on-call expert, offline as she is; her link takes the call, and the glasses ring once she joined', async () => {
      // ed is available and can take pumps, but is not on call; erika never said she was there.
      expect(
        (await sut.api('PUT', '/v1/presence/me', { as: 'ed', body: { status: 'available' } }))
          .status,
      ).toBe(200);
      const tom = await RecordingClient.connect(sut.url, sut.token('tom'));
      clients.push(tom);
      const asked = await ask('pumps', 'Pump 8 at night');
      expect([asked.status, asked.body.status, asked.body.nextOpensAt]).toEqual([
        201,
        'queued',
        null,
      ]);

      // The glasses say who is paged.
      const placed = await tom.next(
        'call.updated',
        (u) => u.call.id === asked.body.id && u.call.queue?.statusLine !== null,
      );
      expect(placed.call.queue?.statusLine).toContain(
        'The queue "Pumps" is closed now: Erika Expert, on call, is paged.',
      );
      const [message] = await waitFor(
        async () => messagesAbout('Pump 8 at night'),
        (m) => m.length >= 1,
      );
      expect(message).toMatchObject({ generalPurposes: { users: 'erika.cam@acme.example' } });
      expect((await sut.api('GET', '/v1/offers?status=pending', { as: 'ed' })).body.offers).toEqual(
        [],
      );
      const link = /(http:\/\/\S+\/accept\/[A-Za-z0-9_.-]+)/.exec(String(message.message))?.[1];
      expect(link?.startsWith(`${sut.url}/accept/`)).toBe(true);

      const accepted = await fetch(link!, { method: 'POST', redirect: 'manual' });
      expect(accepted.status).toBe(200);
      const call = await sut.waitForCall(asked.body.id, (c) => c.status === 'ringing');
      expect(call).toMatchObject({ acceptedBy: { id: 'erika' }, experts: [{ id: 'erika' }] });

      const created = sut.simulator.state.listCalls().find((c) => c.callId === call.xassistCallId)!;
      await sut.settled();
      expect(tom.all('call.invite')).toEqual([]);
      sut.simulator.state.join(created.callId, 'erika');
      const invite = await tom.next('call.invite', (i) => i.call.id === call.id);
      expect(invite.call).toMatchObject({ status: 'expert_joined', joinedExpertId: 'erika' });
      await sut.api('PUT', '/v1/presence/me', { as: 'ed', body: { status: 'away' } });
    });

    it('a request whose admission failed after its row was written ends, after a restart, as it would have: closed with the next opening, or a callback; xAssist is not asked', async () => {
      const url = sut.config.databaseUrl;
      const xassistRequests = () =>
        [XASSIST_PATHS.createCall, XASSIST_PATHS.getFilteredCallLogsV2].map((path) =>
          sut.simulator.requestCount(path),
        );
      const before = xassistRequests();
      const askOnce = (queueId: string, title: string) =>
        sut.api('POST', '/v1/calls', {
          as: 'tom',
          body: { title, queueId },
          headers: { 'idempotency-key': `interrupted-${queueId}` },
        });
      // The rows commit, then the database refuses the admission's commit: both stay `creating`.
      await poisonEventTypes(url, ['status.closed', 'status.callback_pending']);
      const failed = [
        await askOnce('night', 'Pump 5 at night'),
        await askOnce('evening', 'Pump 6'),
      ];
      expect(failed.map((answer) => answer.status)).toEqual([500, 500]);
      const active = (await sut.api('GET', '/v1/calls?status=active', { as: 'sam' })).body.calls;
      const idOf = (title: string) => active.find((call: any) => call.title === title)?.id;
      const [closedId, callbackId] = [idOf('Pump 5 at night'), idOf('Pump 6')];
      expect(
        [closedId, callbackId].map((id) => active.find((c: any) => c.id === id)?.status),
      ).toEqual(['creating', 'creating']);

      const port = sut.port;
      await sut.stopBroker();
      await curePoison(url);
      await sut.startBroker(port);
      // The leader finishes it once no admission can still be under way (the creation deadline).
      const closed = await sut.waitForCall(closedId, (call) => call.status !== 'creating', 15_000);
      expect(closed).toMatchObject({ status: 'closed', nextOpensAt: NEXT_OPENING, experts: [] });
      // The technician's app retries with its key: the queue takes callbacks, so it waits as one.
      const retried = await askOnce('evening', 'Pump 6');
      expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
      expect(retried.body).toMatchObject({
        id: callbackId,
        status: 'callback_pending',
        nextOpensAt: NEXT_OPENING,
      });
      const typesOf = async (id: string) =>
        (await sut.api('GET', `/v1/calls/${id}/events`, { as: 'sam' })).body.events.map(
          (event: any) => event.type,
        );
      expect(await typesOf(closedId)).toEqual(['status.closed']);
      expect(await typesOf(callbackId)).toEqual(['status.callback_pending']);
      // Neither created nor looked for on xAssist: a request outside hours never reaches it.
      expect(xassistRequests()).toEqual(before);
    }, 60_000);
  },
);

import { ChatMessengerStandIn } from '../src/notifications/stand-ins/chat-messenger.stand-in.js';
import { BrokerHarness, PEOPLE, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { camChannel, ChannelsFile } from './support/channels-file.js';
import { SocketClients } from './support/socket-client.js';

/** erika is known to Chat&Messenger by her email: the fallback page reaches her directly. */
const FALLBACK_PEOPLE = PEOPLE.map((person) =>
  person.id === 'erika'
    ? { ...person, channels: { chatMessenger: { email: 'erika@acme.example' } } }
    : person,
);
const ask = { expertIds: ['erika'], title: 'Compressor 4 trips' };

/**
 * Issue 12 item 6: with CHANNELS_FILE's `fallback` naming a CAM channel, a call xAssist cannot
 * create (it is unreachable) gets a CAM web meeting: the technician hears it on their socket as
 * call.fallback, the experts by chat, and the call's events say so.
 */
describe.each(await brokerDatabases('fallback web meetings'))(
  'fallback web meetings when xAssist is down, on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    let cam: ChatMessengerStandIn;
    const channelsFile = new ChannelsFile();
    const clients = new SocketClients(() => sut);
    const connect = (id: string) => clients.connect(id);
    const xassistDown = (status: number) =>
      sut.simulator.injectFault({ kind: 'status', status, count: 20, path: 'rtc/createCall' });

    beforeAll(async () => {
      cam = await new ChatMessengerStandIn({ apiToken: 'cam-token', basePath: '/api' }).start();
      const file = channelsFile.write({
        channels: [camChannel('cam-direct', cam)],
        fallback: { channel: 'cam-direct', meetingMinutes: 30 },
      });
      sut = await new BrokerHarness({
        publicUrl: true,
        people: FALLBACK_PEOPLE,
        database: create,
        env: {
          CHANNELS_FILE: file,
          CAM_TOKEN: 'cam-token',
          ACCEPT_LINK_SECRET: 'accept-link-secret-for-e2e-0123456789',
          OUTBOX_POLL_INTERVAL_MS: '50',
        },
      }).start();
    });
    afterEach(() => {
      clients.closeAll();
      sut.simulator.clearFaults();
      cam.clearScript();
    });
    afterAll(async () => {
      // A meeting's password is for the technician and the experts: never in the broker's log.
      // Read before stopping, asserted after: a failed expectation must not leave the broker up.
      const passwords = cam.quickCalls.map((meeting) => meeting.password);
      const leaks = sut.secretsInLogs(...passwords);
      await sut.stop();
      await cam.close();
      channelsFile.remove();
      expect(passwords.length).toBeGreaterThan(0);
      expect(leaks).toEqual([]);
    });

    it('gives the technician a web meeting on their socket, pages it to the expert, and logs it in the call', async () => {
      const [tom, erika, sam] = [
        await connect('tom'),
        await connect('erika'),
        await connect('sam'),
      ];
      xassistDown(503);
      const before = Date.now();
      const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({
        code: 'xassist_unavailable',
        message: 'xAssist could not be reached; a web meeting was offered instead (call.fallback)',
        call: { status: 'failed' },
      });
      const callId = answer.body.call.id;

      const made = cam.quickCalls.at(-1)!;
      expect(made.expiredDate).toBeGreaterThanOrEqual(before + 30 * 60_000);
      expect(made.expiredDate).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
      const heard = await tom.next('call.fallback', (payload) => payload.call.id === callId);
      expect(heard).toEqual({
        call: expect.objectContaining({ id: callId, status: 'failed' }),
        meeting: {
          provider: 'chatMessenger',
          url: made.url,
          password: made.password,
          expiresAt: new Date(made.expiredDate).toISOString(),
        },
      });

      const events = await sut.api('GET', `/v1/calls/${callId}/events`, { as: 'tom' });
      expect(events.body.events.map((event: any) => event.type)).toEqual([
        'status.failed',
        'fallback.offered',
      ]);
      await tom.next('call.updated', (update) =>
        update.events.some((event: any) => event.type === 'fallback.offered'),
      );

      const page = await waitFor(
        async () => cam.messages.find((m) => String(m.message).includes(made.url)),
        (found) => found !== undefined,
        5000,
      );
      expect(page).toMatchObject({
        panelName: 'messenger',
        generalPurposes: { users: 'erika@acme.example' },
      });
      expect(String(page!.message)).toContain(`Password: ${made.password}`);

      // The password is for the technician and the experts: not in the view, nor on other sockets.
      const view = await sut.api('GET', `/v1/calls/${callId}`, { as: 'sam' });
      expect(JSON.stringify([view.body, events.body, answer.body])).not.toContain(made.password);
      await sam.next('call.updated', (update) => update.call.id === callId);
      expect(erika.all('call.fallback')).toEqual([]);
      expect(sam.all('call.fallback')).toEqual([]);
      expect(JSON.stringify(sam.received)).not.toContain(made.password);
    });

    it('tells glasses that were offline of the meeting when they connect, and nobody else', async () => {
      xassistDown(503);
      const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
      expect(answer.status).toBe(503);
      const callId = answer.body.call.id;
      const made = cam.quickCalls.at(-1)!;
      const [tom, erika] = [await connect('tom'), await connect('erika')];
      const heard = await tom.next('call.fallback', (payload) => payload.call.id === callId);
      expect(heard.meeting).toMatchObject({ url: made.url, password: made.password });
      await erika.next('calls.snapshot');
      expect(erika.all('call.fallback')).toEqual([]);
    });

    it('offers no meeting when xAssist refuses the call (502): a meeting would not fix the request', async () => {
      const tom = await connect('tom');
      const made = cam.quickCalls.length;
      sut.simulator.injectFault({ kind: 'status', status: 400, count: 1, path: 'rtc/createCall' });
      const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
      expect(answer.status).toBe(502);
      const events = await sut.api('GET', `/v1/calls/${answer.body.call.id}/events`, {
        as: 'tom',
      });
      expect(events.body.events.map((event: any) => event.type)).toEqual(['status.failed']);
      expect(cam.quickCalls).toHaveLength(made);
      await tom.next('call.updated', (update) => update.call.id === answer.body.call.id);
      expect(tom.all('call.fallback').filter((p) => p.call.id === answer.body.call.id)).toEqual([]);
    });

    it('fails the call plainly, logging why, when Chat&Messenger cannot make a meeting either', async () => {
      const tom = await connect('tom');
      xassistDown(500);
      // Only the meeting fails: a page of an earlier test delivered meanwhile must not take it.
      cam.script({ kind: 'status', status: 500, path: '/createQuickCall' });
      const answer = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
      expect(answer.status).toBe(503);
      expect(answer.body.message).toBe('xAssist could not be reached; try again later');
      const events = await sut.api('GET', `/v1/calls/${answer.body.call.id}/events`, {
        as: 'tom',
      });
      expect(events.body.events.map((event: any) => event.type)).toEqual(['status.failed']);
      expect(
        sut.log.lines.some((line) => line.includes('no fallback web meeting could be made')),
      ).toBe(true);
      await tom.next('call.updated', (update) => update.call.id === answer.body.call.id);
      expect(tom.all('call.fallback').filter((p) => p.call.id === answer.body.call.id)).toEqual([]);
    });
  },
);

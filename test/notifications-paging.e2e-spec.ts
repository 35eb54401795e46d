import { signAcceptLink } from '../src/paging/accept-link.js';
import { ACCEPT_PAGE_CSP } from '../src/paging/accept-page.js';
import { ChatMessengerStandIn } from '../src/notifications/stand-ins/chat-messenger.stand-in.js';
import { DingTalkStandIn } from '../src/notifications/stand-ins/dingtalk.stand-in.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { camChannel, ChannelsFile, CHAT_PEOPLE } from './support/channels-file.js';
import { SocketClients } from './support/socket-client.js';

const LINK_SECRET = 'accept-link-secret-for-e2e-0123456789';
const ROBOT_SECRET = 'SEC0123456789abcdef';
const QUEUES = [
  { id: 'pumps', name: 'Pumps', skills: ['pumps'], strategy: 'ring_all', maxWaitSeconds: 60 },
  { id: 'brief', name: 'Brief', skills: ['pumps'], strategy: 'serial', maxWaitSeconds: 1 },
  {
    id: 'widen',
    name: 'Widening',
    skills: ['pumps'],
    strategy: 'serial',
    escalation: [{ afterSeconds: 1, notifySupervisors: true }],
  },
];

const text = (message: Record<string, any>): string => message.text.content;
const linkOf = (content: string, name: string): string => {
  const line = content.split('\n').find((l) => l.startsWith(`Accept as ${name}: `));
  if (!line) throw new Error(`no link for ${name} in:\n${content}`);
  return line.slice(`Accept as ${name}: `.length);
};

describe.each(await brokerDatabases('paging chat channels'))(
  'paging through chat channels on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    let robot: DingTalkStandIn;
    let cam: ChatMessengerStandIn;
    const channelsFile = new ChannelsFile();
    const clients = new SocketClients(() => sut);
    /** Every accept token this suite saw or made (its signature part): none may be logged. */
    const tokens: string[] = [];
    const seen = (link: string) => {
      tokens.push(link.split('.').at(-1)!);
      return link;
    };
    const connect = (id: string) => clients.connect(id);
    const page = (url: string, method = 'GET') =>
      fetch(url, { method, redirect: 'manual' }).then(async (r) => ({
        status: r.status,
        html: await r.text(),
        headers: r.headers,
      }));

    beforeAll(async () => {
      robot = await new DingTalkStandIn({ accessToken: 'robot', secret: ROBOT_SECRET }).start();
      cam = await new ChatMessengerStandIn({ apiToken: 'cam-token', basePath: '/api' }).start();
      const file = channelsFile.write({
        channels: [
          {
            id: 'pumps-robot',
            type: 'dingtalk',
            webhookUrl: robot.webhookUrl,
            secret: ROBOT_SECRET,
            style: 'text',
          },
          camChannel('supervisors', cam, { room: 'Supervisors' }),
          camChannel('experts-direct', cam),
        ],
        paging: {
          rules: [
            { queue: 'pumps', channel: 'pumps-robot', on: ['queued', 'escalated'] },
            { queue: 'pumps', channel: 'experts-direct', on: ['queued'] },
            { queue: '*', channel: 'supervisors', on: ['unanswered', 'missed'] },
            { queue: 'widen', channel: 'supervisors', on: ['escalated', 'ended'] },
          ],
        },
      });
      sut = await new BrokerHarness({
        publicUrl: true,
        people: CHAT_PEOPLE,
        queues: QUEUES,
        database: create,
        env: {
          CHANNELS_FILE: file,
          CAM_TOKEN: 'cam-token',
          ACCEPT_LINK_SECRET: LINK_SECRET,
          ROUTING_TICK_MS: '50',
          OUTBOX_POLL_INTERVAL_MS: '50',
        },
      }).start();
    });
    afterEach(() => clients.closeAll());
    afterAll(async () => {
      // No accept token in any log line (the access log logged every followed link whole).
      expect(tokens.length).toBeGreaterThan(0);
      expect(sut.secretsInLogs(...tokens)).toEqual([]);
      await sut.stop();
      await robot.close();
      await cam.close();
      channelsFile.remove();
    });

    it('pages each escalation step once, and a summary when the call ends', async () => {
      const asked = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { title: 'Valve 3 leak', queueId: 'widen' },
      });
      const ofCall = () => cam.messages.filter((m) => JSON.stringify(m).includes('Valve 3 leak'));
      const escalated = await waitFor(
        async () => ofCall(),
        (got) => got.length >= 1,
        5000,
      );
      expect(JSON.stringify(escalated[0])).toContain('still waiting, step 1');
      await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'tom' });
      const both = await waitFor(
        async () => ofCall(),
        (got) => got.length >= 2,
        5000,
      );
      expect(JSON.stringify(both[1])).toContain('Call cancelled: Valve 3 leak');
      await sut.settled();
      expect(ofCall()).toHaveLength(2);
    });

    it('pages the group with mentions and the console link only; each expert alone gets their own accept link, which accepts once', async () => {
      const erika = await connect('erika');
      const ed = await connect('ed');
      await erika.socket.emitWithAck('presence.set', { status: 'available' });
      await ed.socket.emitWithAck('presence.set', { status: 'available' });
      const asked = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { title: 'Pump 7 vibration', queueId: 'pumps' },
      });
      expect(asked.status).toBe(201);

      const [message] = (await waitFor(
        async () => robot.messages,
        (m) => m.length >= 1,
      )) as any[];
      const content = text(message);
      expect(content).toContain('Help wanted: Pump 7 vibration');
      expect(content).toContain('Queue Pumps. Asked by Tom Technician.');
      expect(message.at.atMobiles).toEqual(['13800000001']);
      expect(content).toContain('@13800000001');
      expect(content).toContain('Ed Expert'); // no DingTalk identity: the display name
      // The group reads no credential: its one link opens the request in the console.
      expect(content).not.toContain('/accept/');
      expect(content).toContain(
        `Open the request in the console: ${sut.url}/#call=${asked.body.id}`,
      );
      expect((await page(`${sut.url}/#call=${asked.body.id}`)).status).toBe(200);

      const direct = await waitFor(
        async () =>
          cam.messages.filter(
            (m: any) => m.panelName === 'messenger' && String(m.message).includes('Pump 7'),
          ),
        (m) => m.length >= 2,
      );
      const to = (email: string) => direct.find((m: any) => m.generalPurposes.users === email);
      expect(direct.map((m: any) => m.generalPurposes.users).sort()).toEqual([
        'ed@acme.example',
        'erika@acme.example',
      ]);
      const erikaLink = seen(linkOf(String(to('erika@acme.example')!.message), 'Erika Expert'));
      const edLink = seen(linkOf(String(to('ed@acme.example')!.message), 'Ed Expert'));
      expect(String(to('erika@acme.example')!.message)).not.toContain('Ed Expert');
      expect(String(to('ed@acme.example')!.message)).not.toContain(erikaLink);
      expect(erikaLink.startsWith(`${sut.url}/accept/`)).toBe(true);
      expect(erikaLink).not.toBe(edLink);

      // GET only shows what confirming does, under a CSP that lets the form post here alone.
      await erika.next('offer.created', (o) => o.call.id === asked.body.id);
      const shown = await page(erikaLink);
      expect(shown.status).toBe(200);
      expect(shown.headers.get('content-security-policy')).toBe(ACCEPT_PAGE_CSP);
      expect(shown.html).toContain('<form method="post">');
      expect(shown.html).not.toContain('<script');
      expect(shown.html).toContain('as Erika Expert');
      expect((await sut.api('GET', `/v1/calls/${asked.body.id}`, { as: 'sam' })).body.status).toBe(
        'queued',
      );

      const accepted = await page(erikaLink, 'POST');
      expect([accepted.status, accepted.html]).toEqual([200, expect.stringContaining('Accepted')]);
      const call = await sut.waitForCall(asked.body.id, (c) => c.status === 'ringing');
      expect(call).toMatchObject({
        status: 'ringing',
        acceptedBy: { id: 'erika' },
        experts: [{ id: 'erika' }],
      });
      expect(sut.simulator.state.listCalls()).toHaveLength(1);

      const again = await page(erikaLink, 'POST');
      expect([again.status, again.html]).toEqual([410, expect.stringContaining('already used')]);
      const other = await page(edLink, 'POST');
      expect([other.status, other.html]).toEqual([
        409,
        expect.stringContaining('accepted by Erika Expert'),
      ]);
      expect(sut.simulator.state.listCalls()).toHaveLength(1);

      // Delivered once: one message, its msgUuid the outbox row's id, the row delivered.
      await sut.settled();
      expect(robot.messages).toHaveLength(1);
      const rows = await sut.api('GET', '/v1/deliveries?status=delivered', { as: 'sam' });
      const pages = rows.body.deliveries.filter(
        (d: any) => d.eventType === 'page.queued' && d.webhookId === 'pumps-robot',
      );
      expect(pages.map((d: any) => [d.id, d.attempts])).toEqual([[message.msgUuid, 1]]);
      await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'sam' });
    });

    it('refuses forged, malformed, expired and foreign links with a 4xx page, never a 500', async () => {
      const base = `${sut.url}/accept`;
      const token = signAcceptLink(LINK_SECRET, {
        callId: 'c1',
        expertId: 'erika',
        expiresAtMs: Date.now() + 60_000,
      });
      seen(token);
      const [body, signature] = token.split('.');
      const swapped = signAcceptLink(LINK_SECRET, {
        callId: 'c1',
        expertId: 'ed',
        expiresAtMs: Date.now() + 60_000,
      }).split('.')[0];
      const forged = await page(`${base}/${swapped}.${signature}`, 'POST');
      expect([forged.status, forged.html]).toEqual([401, expect.stringContaining('not valid')]);
      const otherKey = signAcceptLink('another-key-another-key-another-key', {
        callId: 'c1',
        expertId: 'erika',
        expiresAtMs: Date.now() + 60_000,
      });
      expect((await page(`${base}/${otherKey}`)).status).toBe(401);
      // The same signature bytes spelt with its two unused bits set: not one of ours.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const respelt = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(signature.at(-1)!) | 1]}`;
      expect(Buffer.from(respelt, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
      expect((await page(`${base}/${body}.${respelt}`, 'POST')).status).toBe(400);
      expect((await page(`${base}/not-a-token`)).status).toBe(400);
      // Bad percent-encoding, a huge token, a token with padding: a clear 400, never a 500.
      for (const bad of ['%E0%A4%A', '%ZZ', 'A'.repeat(4_000), `${token}=`, `${token}%3D`])
        for (const method of ['GET', 'POST'])
          expect([bad.slice(0, 20), method, (await page(`${base}/${bad}`, method)).status]).toEqual(
            [bad.slice(0, 20), method, 400],
          );
      expect((await page(`${base}/${body}.${'A'.repeat(43)}x`)).status).toBe(400);
      const expired = signAcceptLink(LINK_SECRET, {
        callId: 'c1',
        expertId: 'erika',
        expiresAtMs: Date.now() - 1,
      });
      const late = await page(`${base}/${expired}`, 'POST');
      expect([late.status, late.html]).toEqual([410, expect.stringContaining('expired')]);
      // Signed for a technician: nobody who can take a call.
      const tom = signAcceptLink(LINK_SECRET, {
        callId: 'c1',
        expertId: 'tom',
        expiresAtMs: Date.now() + 60_000,
      });
      expect((await page(`${base}/${tom}`, 'POST')).status).toBe(403);
      [otherKey, expired, tom].forEach(seen);
      // A real link for a call that has no offer open to that expert.
      expect((await page(`${base}/${token}`, 'POST')).status).toBe(409);
      expect(sut.log.lines.filter((line) => line.includes('"statusCode":500'))).toEqual([]);
    });

    it('pages supervisors when a request ends unanswered', async () => {
      const asked = await sut.api('POST', '/v1/calls', {
        as: 'tina',
        body: { title: 'Valve V-3 stuck', queueId: 'brief' },
      });
      expect(asked.status).toBe(201);
      await sut.waitForCall(asked.body.id, (c) => c.status === 'unanswered', 5000);
      const messages = await waitFor(
        async () => cam.messages.filter((m: any) => String(m.message).includes('Valve V-3')),
        (m) => m.length >= 1,
      );
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ panelName: 'Supervisors' });
      expect(String(messages[0].message)).toContain('Unanswered: Valve V-3 stuck');
      expect(String(messages[0].message)).toContain('Sam Supervisor');
      // The queue has no paging rule of its own: nothing went to the pumps robot for it.
      expect(robot.messages.filter((m: any) => text(m).includes('Valve'))).toEqual([]);
    });
  },
);

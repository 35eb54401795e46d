import { ChatMessengerStandIn } from '../src/notifications/stand-ins/chat-messenger.stand-in.js';
import { DingTalkStandIn } from '../src/notifications/stand-ins/dingtalk.stand-in.js';
import { RingCentralStandIn } from '../src/notifications/stand-ins/ringcentral.stand-in.js';
import { TeamsStandIn } from '../src/notifications/stand-ins/teams.stand-in.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { camChannel, ChannelsFile, CHAT_PEOPLE } from './support/channels-file.js';
import { EVIL, linksOf } from './support/reader-links.js';
import { SocketClients } from './support/socket-client.js';

/**
 * Issue 18 items 3 and 4, end to end: one queued request paged to every kind of chat body the
 * broker sends (DingTalk text, markdown and actionCard robots, a CAM room and CAM direct
 * messages, a RingCentral app chat and webhook, a Teams channel), its title full of a user's own
 * links. A reader's client (CommonMark + linkify) finds exactly the broker's links in each body:
 * the console link in a group, an expert's own accept link in their direct message, and nothing
 * of the title's. Each is followed over real HTTP and the broker answers it.
 */
const RC = { clientId: 'client-1', clientSecret: 'client-secret', jwt: 'rc-jwt-credential' };
const QUEUES = [
  { id: 'pumps', name: 'Pumps', skills: ['pumps'], strategy: 'ring_all', maxWaitSeconds: 60 },
];
const STYLES = ['text', 'markdown', 'actionCard'] as const;

describe('the links of every chat body', () => {
  let sut: BrokerHarness;
  const robots = new Map<string, DingTalkStandIn>();
  let cam: ChatMessengerStandIn;
  let rc: RingCentralStandIn;
  let teams: TeamsStandIn;
  const channelsFile = new ChannelsFile();
  const clients = new SocketClients(() => sut);

  beforeAll(async () => {
    for (const style of STYLES)
      robots.set(style, await new DingTalkStandIn({ accessToken: `robot-${style}` }).start());
    cam = await new ChatMessengerStandIn({ apiToken: 'cam-token', basePath: '/api' }).start();
    rc = await new RingCentralStandIn({ ...RC, chatIds: ['42'], webhookTokens: ['hook'] }).start();
    teams = await new TeamsStandIn('teams-sig').start();
    const channels = [
      ...STYLES.map((style) => ({
        id: `robot-${style}`,
        type: 'dingtalk',
        webhookUrl: robots.get(style)!.webhookUrl,
        style,
      })),
      camChannel('cam-room', cam, { room: 'Maintenance' }),
      camChannel('cam-direct', cam),
      { id: 'rc-app', type: 'ringcentral', serverUrl: rc.url, chatId: '42', ...RC },
      { id: 'rc-hook', type: 'ringcentral', webhookUrl: rc.webhookUrl('hook') },
      { id: 'teams', type: 'teams', webhookUrl: teams.webhookUrl },
    ];
    const file = channelsFile.write({
      channels,
      paging: {
        rules: channels.map((channel) => ({
          queue: 'pumps',
          channel: (channel as { id: string }).id,
          on: ['queued'],
        })),
      },
    });
    sut = await new BrokerHarness({
      publicUrl: true,
      people: CHAT_PEOPLE,
      queues: QUEUES,
      env: {
        CHANNELS_FILE: file,
        CAM_TOKEN: 'cam-token',
        ACCEPT_LINK_SECRET: 'accept-link-secret-for-the-links-e2e-0123456789',
        ROUTING_TICK_MS: '50',
        OUTBOX_POLL_INTERVAL_MS: '50',
      },
    }).start();
  });

  afterAll(async () => {
    await clients.closeAll();
    await sut.stop();
    await Promise.all([...robots.values(), cam, rc, teams].map((standIn) => standIn.close()));
    channelsFile.remove();
  });

  it("finds exactly the broker's own links in each body, none of the title's, and the broker answers each", async () => {
    for (const id of ['erika', 'ed']) {
      const client = await clients.connect(id);
      await client.socket.emitWithAck('presence.set', { status: 'available' });
    }
    const asked = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { title: EVIL, queueId: 'pumps' },
    });
    expect(asked.status).toBe(201);
    const bodies = await waitFor(
      async () => ({
        ...Object.fromEntries(STYLES.map((style) => [style, robots.get(style)!.messages])),
        room: cam.messages.filter((m) => m.panelName === 'Maintenance'),
        direct: cam.messages.filter((m) => m.panelName === 'messenger'),
        post: rc.posts,
        hook: rc.webhookMessages,
        teams: teams.cards,
      }),
      (got) =>
        Object.entries(got).every(([kind, list]) => list.length >= (kind === 'direct' ? 2 : 1)),
      10_000,
    );

    const consoleLink = `${sut.url}/#call=${asked.body.id}`;
    const found = Object.fromEntries(
      Object.entries(bodies).map(([kind, list]) => [kind, list.map(linksOf)]),
    );
    // A group reads one link: the request in the console. No credential, nothing of the title.
    for (const kind of [...STYLES, 'room', 'post', 'hook', 'teams'])
      expect([kind, found[kind]]).toEqual([kind, [[consoleLink]]]);
    // Each expert alone reads their own accept link, and only theirs.
    const direct = found.direct as string[][];
    expect(direct.map((links) => links.length)).toEqual([1, 1]);
    const acceptLinks = direct.flat();
    for (const link of acceptLinks) expect(link.startsWith(`${sut.url}/accept/`)).toBe(true);
    expect(new Set(acceptLinks).size).toBe(2);

    // Followed over real HTTP, each link is the broker's, and answered (an offer waits for each).
    for (const link of [consoleLink, ...acceptLinks]) {
      const answer = await fetch(link, { redirect: 'manual' });
      expect([link, answer.status]).toEqual([link, 200]);
    }
    await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'tom' });
  });
});

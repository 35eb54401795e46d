import { DEFAULT_CHANNEL_HTTP } from '../src/notifications/channel-http.js';
import type { Notification } from '../src/notifications/notification.js';
import {
  RingCentralChannel,
  type RingCentralSettings,
} from '../src/notifications/ringcentral.channel.js';
import { RingCentralStandIn } from '../src/notifications/stand-ins/ringcentral.stand-in.js';
import { TeamsStandIn } from '../src/notifications/stand-ins/teams.stand-in.js';
import { TeamsWorkflowChannel } from '../src/notifications/teams-workflow.channel.js';
import { FakeClock } from './support/fake-clock.js';
import { capturedLogger } from './support/log-capture.js';

const erika = {
  id: 'erika',
  displayName: 'Erika Expert',
  channels: { ringcentral: { personId: '1234567' } },
};
const guest = {
  id: 'gus',
  displayName: 'Gus Guest',
  channels: { ringcentral: { personId: 'glip-7654321' } },
};
const max = { id: 'max', displayName: 'Max Unknown' };
const page = (id = 'n1'): Notification => ({
  id,
  title: 'Help wanted: pump [P-101]',
  lines: ['Queue pumps, waiting 2 min'],
  mentions: [erika, guest, max],
  links: [{ label: 'Accept', url: 'https://broker.example/accept/abc' }],
});
const http = { ...DEFAULT_CHANNEL_HTTP, connectTimeoutMs: 500, requestTimeoutMs: 200 };
const APP = {
  clientId: 'client-1',
  clientSecret: 'client-secret',
  jwt: 'eyJhbGciOi.jwt.credential',
};

describe('RingCentral channel against its stand-in', () => {
  let rc: RingCentralStandIn;
  let clock: FakeClock;
  const channels: RingCentralChannel[] = [];
  const app = (overrides: Partial<typeof APP> = {}) => {
    const settings: RingCentralSettings = {
      id: 'rc',
      mode: 'app',
      serverUrl: rc.url,
      chatId: '42',
      ...APP,
      ...overrides,
      http,
    };
    const created = new RingCentralChannel(settings, capturedLogger().logger, clock);
    channels.push(created);
    return created;
  };

  beforeEach(async () => {
    clock = new FakeClock();
    rc = await new RingCentralStandIn({
      ...APP,
      chatIds: ['42'],
      webhookTokens: ['hook-token'],
      expiresInSeconds: 3600,
    }).start();
  });
  afterEach(async () => {
    await Promise.all(channels.splice(0).map((c) => c.close()));
    await rc.close();
  });

  it('takes a token with the JWT grant once, then posts mentioning people by personId and others by name', async () => {
    const channel = app();
    expect(await channel.send(page())).toEqual({
      status: 'sent',
      detail: 'RingCentral answered 201',
    });
    expect(await channel.send(page('n2'))).toMatchObject({ status: 'sent' });
    expect(rc.grants).toBe(1);
    expect(rc.posts[0].chatId).toBe('42');
    expect(rc.posts[0].text).toBe(
      '**Help wanted: pump \\[P-101\\]\u200d**\nQueue pumps, waiting 2 min\n[Accept](https://broker.example/accept/abc)\n![:Person](1234567) ![:Person](glip-7654321) Max Unknown',
    );
  });

  it('renews the token when it nears its expiry, and once when RingCentral revokes it', async () => {
    const channel = app();
    await channel.send(page());
    await clock.advance(3_600_000 - 59_000);
    expect(await channel.send(page('n2'))).toMatchObject({ status: 'sent' });
    expect(rc.grants).toBe(2);
    rc.revokeTokens();
    expect(await channel.send(page('n3'))).toMatchObject({ status: 'sent' });
    expect(rc.grants).toBe(3);
    expect(rc.posts).toHaveLength(3);
  });

  it('sends at once share one JWT grant, first, once the token expired and once it was revoked', async () => {
    const channel = app();
    const both = await Promise.all([channel.send(page('n1')), channel.send(page('n2'))]);
    expect(both).toMatchObject([{ status: 'sent' }, { status: 'sent' }]);
    expect(rc.grants).toBe(1);
    await clock.advance(3_600_000);
    const again = await Promise.all([channel.send(page('n3')), channel.send(page('n4'))]);
    expect(again).toMatchObject([{ status: 'sent' }, { status: 'sent' }]);
    expect(rc.grants).toBe(2);
    rc.revokeTokens();
    const revoked = await Promise.all([channel.send(page('n5')), channel.send(page('n6'))]);
    expect(revoked).toMatchObject([{ status: 'sent' }, { status: 'sent' }]);
    expect(rc.grants).toBe(3);
    expect(rc.posts).toHaveLength(6);
  });

  it('a JWT or client secret the platform refuses is a permanent failure, and nothing is posted', async () => {
    expect(await app({ jwt: 'forged.jwt.value' }).send(page())).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('invalid_grant'),
    });
    expect(await app({ clientSecret: 'wrong' }).send(page())).toMatchObject({ status: 'failed' });
    expect(rc.posts).toHaveLength(0);
  });

  it('honours 429 Retry-After on the post and on the grant; a 5xx and a timeout are retries', async () => {
    const channel = app();
    rc.script({ kind: 'status', status: 429, retryAfter: '17' });
    expect(await channel.send(page())).toMatchObject({ status: 'retry', afterMs: 17_000 });
    expect(rc.grants).toBe(0);
    expect(await channel.send(page())).toMatchObject({ status: 'sent' });
    rc.script({ kind: 'status', status: 429, retryAfter: '5' });
    expect(await channel.send(page())).toMatchObject({
      status: 'retry',
      afterMs: 5_000,
      reason: 'RingCentral is rate limiting (429)',
    });
    rc.script({ kind: 'status', status: 500 });
    expect(await channel.send(page())).toMatchObject({ status: 'retry', afterMs: 0 });
    rc.script({ kind: 'slow', delayMs: 5_000 });
    expect(await channel.send(page())).toMatchObject({ status: 'retry', afterMs: 0 });
  });

  it('posts through an incoming webhook, writing names since a webhook cannot mention', async () => {
    const hook = new RingCentralChannel(
      { id: 'rc-hook', mode: 'webhook', webhookUrl: rc.webhookUrl('hook-token'), http },
      capturedLogger().logger,
      clock,
    );
    channels.push(hook);
    expect(await hook.send(page())).toMatchObject({ status: 'sent' });
    expect(rc.webhookMessages).toEqual([
      {
        // Markdown there too: escaped, and `]` made inert (no `[label](url)` from a title).
        title: 'Help wanted: pump \\[P-101\\]\u200d',
        text: 'Queue pumps, waiting 2 min\n[Accept](https://broker.example/accept/abc)\nErika Expert Gus Guest Max Unknown',
      },
    ]);
    const unknown = new RingCentralChannel(
      { id: 'rc-gone', mode: 'webhook', webhookUrl: rc.webhookUrl('deleted'), http },
      capturedLogger().logger,
      clock,
    );
    channels.push(unknown);
    expect(await unknown.send(page())).toMatchObject({ status: 'failed' });
  });
});

describe('Teams Workflows channel against its stand-in', () => {
  let teams: TeamsStandIn;
  let channel: TeamsWorkflowChannel | undefined;
  beforeEach(async () => {
    teams = await new TeamsStandIn('flow-sig').start();
  });
  afterEach(async () => {
    await channel?.close();
    await teams.close();
  });

  it('posts an Adaptive Card whose only button opens the action link; a wrong sig is refused for good', async () => {
    channel = new TeamsWorkflowChannel(
      { id: 'teams', webhookUrl: teams.webhookUrl, http },
      capturedLogger().logger,
    );
    expect(await channel.send(page())).toEqual({ status: 'sent', detail: 'Teams answered 202' });
    expect(teams.cards[0]).toMatchObject({
      type: 'AdaptiveCard',
      actions: [
        { type: 'Action.OpenUrl', title: 'Accept', url: 'https://broker.example/accept/abc' },
      ],
    });
    expect(JSON.stringify(teams.cards[0])).toContain('For: Erika Expert, Gus Guest, Max Unknown');
    await channel.close();
    channel = new TeamsWorkflowChannel(
      { id: 'teams', webhookUrl: teams.webhookUrl.replace('sig=flow-sig', 'sig=forged'), http },
      capturedLogger().logger,
    );
    expect(await channel.send(page())).toMatchObject({
      status: 'failed',
      reason: 'Teams refused the credentials (401)',
    });
    expect(teams.cards).toHaveLength(1);
  });
});

import { DEFAULT_CHANNEL_HTTP } from '../src/notifications/channel-http.js';
import type { DingTalkStyle } from '../src/notifications/channel-renderers.js';
import {
  DINGTALK_MESSAGES_PER_MINUTE,
  DINGTALK_THROTTLE_MS,
  DingTalkRobotChannel,
} from '../src/notifications/dingtalk-robot.channel.js';
import type { Notification } from '../src/notifications/notification.js';
import { DingTalkStandIn } from '../src/notifications/stand-ins/dingtalk.stand-in.js';
import { FakeClock } from './support/fake-clock.js';
import { capturedLogger } from './support/log-capture.js';

const SECRET = 'SEC0123456789abcdef';
const erika = {
  id: 'erika',
  displayName: 'Erika Expert',
  channels: { dingtalk: { mobile: '13800000001', userId: 'erika.dt' } },
};
const ed = { id: 'ed', displayName: 'Ed Expert', channels: { dingtalk: { userId: 'ed.dt' } } };
const max = { id: 'max', displayName: 'Max Unknown' };
const page = (id = 'n1'): Notification => ({
  id,
  title: 'Help wanted: pump P-101',
  lines: ['Queue pumps, waiting 2 min'],
  mentions: [erika, ed, max],
  links: [{ label: 'Accept', url: 'https://broker.example/accept/abc' }],
});

describe('DingTalk robot channel against its stand-in', () => {
  let clock: FakeClock;
  let robot: DingTalkStandIn;
  const channels: DingTalkRobotChannel[] = [];

  const channel = (
    options: {
      secret?: string;
      clock?: FakeClock;
      style?: DingTalkStyle;
      requestTimeoutMs?: number;
    } = {},
  ) => {
    const created = new DingTalkRobotChannel(
      {
        id: 'ops',
        webhookUrl: robot.webhookUrl,
        secret: 'secret' in options ? options.secret : SECRET,
        style: options.style ?? 'text',
        http: {
          ...DEFAULT_CHANNEL_HTTP,
          connectTimeoutMs: 500,
          requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
        },
      },
      capturedLogger().logger,
      options.clock ?? clock,
    );
    channels.push(created);
    return created;
  };

  beforeEach(async () => {
    clock = new FakeClock();
    robot = await new DingTalkStandIn({
      accessToken: 'robot-token',
      secret: SECRET,
      now: () => clock.now(),
    }).start();
  });
  afterEach(async () => {
    await Promise.all(channels.splice(0).map((c) => c.close()));
    await robot.close();
  });

  it('sends a signed text the robot verifies, mentioning people by mobile or userId and others by name', async () => {
    expect(await channel().send(page())).toEqual({ status: 'sent', detail: 'DingTalk errcode 0' });
    expect(robot.messages).toHaveLength(1);
    const [message] = robot.messages as {
      text: { content: string };
      at: object;
      msgUuid: string;
    }[];
    expect(message.at).toEqual({
      atMobiles: ['13800000001'],
      atUserIds: ['ed.dt'],
      isAtAll: false,
    });
    expect(message.text.content).toContain('@13800000001 @ed.dt Max Unknown');
    expect(message.text.content).toContain('Accept: https://broker.example/accept/abc');
    expect(message.msgUuid).toBe('n1');
    expect(robot.received[0].query.get('timestamp')).toBe(String(clock.now()));
  });

  it('sends an actionCard with the action as its single button', async () => {
    expect((await channel({ style: 'actionCard' }).send(page())).status).toBe('sent');
    expect(robot.messages[0]).toMatchObject({
      msgtype: 'actionCard',
      actionCard: { singleTitle: 'Accept', singleURL: 'https://broker.example/accept/abc' },
    });
  });

  it('a forged signature (another secret) is refused with 310000: a permanent failure', async () => {
    const result = await channel({ secret: 'SECnot-the-robots-secret' }).send(page());
    expect(result).toMatchObject({ status: 'failed' });
    expect(result.status === 'failed' && result.reason).toContain('310000');
    expect(robot.messages).toHaveLength(0);
  });

  it('an unsigned call to a signing robot is refused with 310000', async () => {
    expect(await channel({ secret: undefined }).send(page())).toMatchObject({ status: 'failed' });
    expect(robot.received[0].answeredStatus).toBe(200);
    expect(robot.messages).toHaveLength(0);
  });

  it("a timestamp more than an hour off the robot's time is refused with 310000", async () => {
    const late = new FakeClock(clock.now() - 3_600_001);
    expect(await channel({ clock: late }).send(page())).toMatchObject({ status: 'failed' });
    const justInTime = new FakeClock(clock.now() - 3_599_000);
    expect(await channel({ clock: justInTime }).send(page())).toMatchObject({ status: 'sent' });
  });

  it('130101 backs off for the ten minutes the robot is throttled, without calling it meanwhile', async () => {
    const robotChannel = channel();
    robot.script({ kind: 'vendor', name: 'throttle' });
    expect(await robotChannel.send(page())).toEqual({
      status: 'retry',
      afterMs: DINGTALK_THROTTLE_MS,
      reason: expect.stringContaining('130101'),
    });
    await clock.advance(DINGTALK_THROTTLE_MS - 1_000);
    expect(await robotChannel.send(page('n2'))).toMatchObject({ status: 'retry', afterMs: 1_000 });
    expect(robot.received).toHaveLength(1);
    await clock.advance(1_000);
    expect(await robotChannel.send(page('n3'))).toMatchObject({ status: 'sent' });
  });

  it('keeps under 20 a minute itself, then aggregates the waiting messages into one instead of dropping them', async () => {
    const robotChannel = channel();
    for (let i = 0; i < DINGTALK_MESSAGES_PER_MINUTE; i++) {
      expect((await robotChannel.send(page(`n${i}`))).status).toBe('sent');
      await clock.advance(1_000);
    }
    const refused = await robotChannel.send(page('late-1'));
    expect(refused).toMatchObject({
      status: 'retry',
      afterMs: 60_000 - DINGTALK_MESSAGES_PER_MINUTE * 1_000,
    });
    expect(robot.received).toHaveLength(DINGTALK_MESSAGES_PER_MINUTE);
    await clock.advance(60_000);
    const waiting = [page('late-1'), page('late-2'), page('late-3')];
    expect((await robotChannel.sendBatch(waiting)).status).toBe('sent');
    const combined = robot.messages.at(-1) as { text: { content: string }; msgUuid: string };
    expect(combined.msgUuid).toBe('late-1+late-2+late-3');
    // Every page's title, and every page's link, named after it, none dropped.
    expect(combined.text.content.match(/^Help wanted: pump P-101:$/gm)).toHaveLength(3);
    expect(
      combined.text.content.match(
        /^Help wanted: pump P-101: Accept: https:\/\/broker\.example\/accept\/abc$/gm,
      ),
    ).toHaveLength(3);
  });

  it("two instances sharing a robot: the 21st message of the minute meets the robot's own 130101", async () => {
    const first = channel();
    const second = channel();
    for (let i = 0; i < DINGTALK_MESSAGES_PER_MINUTE; i++) await first.send(page(`n${i}`));
    expect(await second.send(page('n20'))).toMatchObject({
      status: 'retry',
      afterMs: DINGTALK_THROTTLE_MS,
    });
    expect(robot.messages).toHaveLength(DINGTALK_MESSAGES_PER_MINUTE);
  });

  it('a 5xx and a timeout are worth retrying; neither is a permanent failure', async () => {
    const robotChannel = channel({ requestTimeoutMs: 200 });
    robot.script({ kind: 'status', status: 502 });
    expect(await robotChannel.send(page())).toMatchObject({
      status: 'retry',
      afterMs: 0,
      reason: 'DingTalk answered 502',
    });
    robot.script({ kind: 'slow', delayMs: 5_000 });
    const slow = await robotChannel.send(page());
    expect(slow).toMatchObject({ status: 'retry', afterMs: 0 });
    expect(slow.status === 'retry' && slow.reason).toMatch(/timed out|did not answer/);
  });
});

import { DingTalkStandIn } from '../../src/notifications/stand-ins/dingtalk.stand-in.js';
import { BrokerHarness } from './broker-harness.js';
import { ChannelsFile, CHAT_PEOPLE, dingTalkChannel } from './channels-file.js';
import type { TestDatabase } from './environment.js';

const ROBOT_SECRET = 'SEC0123456789abcdef';

/** A DingTalk stand-in message's text (the robots are in the plain `text` style). */
export const robotText = (message: Record<string, any>): string => message.text.content;

export interface RobotPagingOptions {
  database: (() => Promise<TestDatabase>) | undefined;
  queues: object[];
  /** CHANNELS_FILE's paging rules, naming the robot by `channel`. */
  rules: object[];
  /** The robot's channel id (default `experts-robot`). */
  channel?: string;
  /** CHAT_PEOPLE by default (erika reachable on DingTalk); PEOPLE for nobody mentioned by phone. */
  people?: unknown[];
  env?: Record<string, string>;
}

/**
 * A broker paging to one robot on the DingTalk stand-in, started before the suite and stopped
 * after it (no secret in its logs): the paging suites' one setup. `sut` and `robot` are set once
 * the suite's beforeAll ran.
 */
export function robotPagedBroker(options: RobotPagingOptions) {
  const context = {
    sut: undefined as unknown as BrokerHarness,
    robot: undefined as unknown as DingTalkStandIn,
  };
  const channelsFile = new ChannelsFile();
  beforeAll(async () => {
    context.robot = await new DingTalkStandIn({
      accessToken: 'robot',
      secret: ROBOT_SECRET,
    }).start();
    const channel = dingTalkChannel(
      options.channel ?? 'experts-robot',
      context.robot,
      ROBOT_SECRET,
    );
    const file = channelsFile.write({ channels: [channel], paging: { rules: options.rules } });
    context.sut = await new BrokerHarness({
      publicUrl: true,
      people: options.people ?? CHAT_PEOPLE,
      queues: options.queues,
      database: options.database,
      env: {
        CHANNELS_FILE: file,
        ACCEPT_LINK_SECRET: 'accept-link-secret-for-e2e-0123456789',
        ROUTING_TICK_MS: '50',
        OUTBOX_POLL_INTERVAL_MS: '50',
        ...options.env,
      },
    }).start();
  });
  afterAll(async () => {
    expect(context.sut?.secretsInLogs() ?? []).toEqual([]);
    await context.sut?.stop();
    await context.robot?.close();
    channelsFile.remove();
  });
  return context;
}

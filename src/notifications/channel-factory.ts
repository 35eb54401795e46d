import type { Logger } from 'pino';
import { SystemClock, type Clock } from '../common/clock.js';
import type { ChannelSettings } from './channels-file.js';
import { ChatMessengerChannel } from './chat-messenger.channel.js';
import { DingTalkRobotChannel } from './dingtalk-robot.channel.js';
import type { NotificationChannel } from './notification-channel.port.js';
import { RingCentralChannel } from './ringcentral.channel.js';
import { TeamsWorkflowChannel } from './teams-workflow.channel.js';

/** The adapter for one validated channel of CHANNELS_FILE. */
export function createChannel(
  settings: ChannelSettings,
  logger: Logger,
  clock: Clock = new SystemClock(),
): NotificationChannel {
  switch (settings.vendor) {
    case 'dingtalk':
      return new DingTalkRobotChannel(settings, logger, clock);
    case 'chatMessenger':
      return new ChatMessengerChannel(settings, logger, clock);
    case 'ringcentral':
      return new RingCentralChannel(settings, logger, clock);
    case 'teams':
      return new TeamsWorkflowChannel(settings, logger, clock);
  }
}

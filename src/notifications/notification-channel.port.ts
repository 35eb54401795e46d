import {
  combineNotifications,
  type DeliveryResult,
  type MentionedPerson,
  type Notification,
} from './notification.js';

export const CHANNEL_VENDORS = ['dingtalk', 'chatMessenger', 'ringcentral', 'teams'] as const;
export type ChannelVendor = (typeof CHANNEL_VENDORS)[number];

/**
 * One configured destination in a chat tool (a DingTalk robot, a CAM room, a RingCentral chat, a
 * Teams channel). Callers see Notifications and DeliveryResults, never HTTP; a send never throws
 * for anything the vendor or the network did. An abstract class so that it doubles as a DI token.
 */
export abstract class NotificationChannel {
  /** The channel's id in CHANNELS_FILE. */
  abstract readonly id: string;
  abstract readonly vendor: ChannelVendor;

  abstract send(message: Notification): Promise<DeliveryResult>;

  /**
   * Whether a message mentioning only `person` reaches them and nobody else (a direct message),
   * so that it may carry a credential of theirs. A group (a room, a robot's group, a chat that
   * guests read, a Teams channel) never does: the default.
   */
  reachesAlone(_person: MentionedPerson): boolean {
    return false;
  }

  /**
   * Several messages for this destination as ONE delivery with one result (all sent or none).
   * By default they become one combined message; a vendor with a batch API overrides this.
   */
  sendBatch(messages: readonly Notification[]): Promise<DeliveryResult> {
    return this.send(combineNotifications(messages));
  }

  abstract close(): Promise<void>;
}

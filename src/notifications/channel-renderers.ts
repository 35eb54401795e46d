import type { MentionedPerson, Notification } from './notification.js';

/**
 * Pure functions from a Notification to each vendor's body. A person the vendor does not know
 * (no identity for it in the directory) is written by display name: never an error.
 */

/** Characters that would turn a title or a line into markup (a link, bold text) in markdown. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]()#<>!|~]/g, (char) => `\\${char}`);
}

// ---------------------------------------------------------------- DingTalk
export const DINGTALK_STYLES = ['text', 'markdown', 'actionCard'] as const;
export type DingTalkStyle = (typeof DINGTALK_STYLES)[number];

interface DingTalkAt {
  atMobiles: string[];
  atUserIds: string[];
  isAtAll: false;
}

/** `@<mobile>` or `@<userId>` for people DingTalk knows, so the mention is shown; names otherwise. */
export function dingTalkMentions(people: readonly MentionedPerson[]): {
  at: DingTalkAt;
  text: string;
} {
  const at: DingTalkAt = { atMobiles: [], atUserIds: [], isAtAll: false };
  const words = people.map((person) => {
    const { mobile, userId } = person.channels?.dingtalk ?? {};
    if (mobile) {
      at.atMobiles.push(mobile);
      return `@${mobile}`;
    }
    if (userId) {
      at.atUserIds.push(userId);
      return `@${userId}`;
    }
    return person.displayName;
  });
  return { at, text: words.join(' ') };
}

export function renderDingTalk(message: Notification, style: DingTalkStyle): object {
  const { at, text: mentionText } = dingTalkMentions(message.mentions);
  const msgUuid = message.id;
  if (style === 'text') {
    const content = [
      message.title,
      ...message.lines,
      ...(message.action ? [`${message.action.label}: ${message.action.url}`] : []),
      ...(mentionText ? [mentionText] : []),
    ].join('\n');
    return { msgtype: 'text', text: { content }, at, msgUuid };
  }
  const body = message.lines.map(escapeMarkdown);
  if (style === 'actionCard' && message.action) {
    // An actionCard carries no "at": the names are in its text.
    const text = [
      `### ${escapeMarkdown(message.title)}`,
      ...body,
      ...(mentionText ? [mentionText] : []),
    ];
    return {
      msgtype: 'actionCard',
      actionCard: {
        title: message.title,
        text: text.join('\n\n'),
        singleTitle: message.action.label,
        singleURL: message.action.url,
      },
      msgUuid,
    };
  }
  const text = [
    `### ${escapeMarkdown(message.title)}`,
    ...body,
    ...(message.action ? [`[${escapeMarkdown(message.action.label)}](${message.action.url})`] : []),
    ...(mentionText ? [mentionText] : []),
  ].join('\n\n');
  return { msgtype: 'markdown', markdown: { title: message.title, text }, at, msgUuid };
}

// ---------------------------------------------------------------- Chat&Messenger
export interface CamMessage {
  panelName: string;
  message: string;
  isOpened: boolean;
  generalPurposes: { users: string };
}

/** Plain text (`\n` breaks lines); people without a CAM email are named in the text. */
export function camText(message: Notification): { text: string; users: string[] } {
  const users = message.mentions.flatMap((p) =>
    p.channels?.chatMessenger ? [p.channels.chatMessenger.email] : [],
  );
  const unknown = message.mentions
    .filter((p) => !p.channels?.chatMessenger)
    .map((p) => p.displayName);
  const text = [
    message.title,
    ...message.lines,
    ...(message.action ? [`${message.action.label}: ${message.action.url}`] : []),
    ...(unknown.length > 0 ? [`For: ${unknown.join(', ')}`] : []),
  ].join('\n');
  return { text, users };
}

/** `room` undefined: a direct message (panel "messenger") to each mentioned person's email. */
export function renderCamMessage(message: Notification, room: string | undefined): CamMessage {
  const { text, users } = camText(message);
  return {
    panelName: room ?? 'messenger',
    message: text,
    isOpened: false,
    generalPurposes: { users: users.join(',') },
  };
}

/** The JSON `sendMessages` takes for a batch. */
export function renderCamBatch(messages: readonly Notification[]): object[] {
  return messages.map((message) => {
    const { text, users } = camText(message);
    return { message: text, property: { users: users.join(',') } };
  });
}

// ---------------------------------------------------------------- RingCentral
/** `![:Person](id)` when posting through the REST API; names through an incoming webhook. */
export function renderRingCentralText(message: Notification, canMention: boolean): string {
  const mentions = message.mentions.map((person) => {
    const personId = person.channels?.ringcentral?.personId;
    return canMention && personId ? `![:Person](${personId})` : person.displayName;
  });
  return [
    ...message.lines.map(escapeMarkdown),
    ...(message.action ? [`[${escapeMarkdown(message.action.label)}](${message.action.url})`] : []),
    ...(mentions.length > 0 ? [mentions.join(' ')] : []),
  ].join('\n');
}

export function renderRingCentralPost(message: Notification): { text: string } {
  return { text: `**${escapeMarkdown(message.title)}**\n${renderRingCentralText(message, true)}` };
}

export function renderRingCentralWebhook(message: Notification): { title: string; text: string } {
  return { title: message.title, text: renderRingCentralText(message, false) };
}

// ---------------------------------------------------------------- Microsoft Teams
/** An Adaptive Card in the envelope a Workflows webhook takes; only Action.OpenUrl is useful. */
export function renderTeamsCard(message: Notification): object {
  const text = (value: string, extra: object = {}) => ({
    type: 'TextBlock',
    text: value,
    wrap: true,
    ...extra,
  });
  const names = message.mentions.map((person) => person.displayName);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            text(escapeMarkdown(message.title), { weight: 'Bolder', size: 'Medium' }),
            ...message.lines.map((line) => text(escapeMarkdown(line))),
            ...(names.length > 0 ? [text(`For: ${names.map(escapeMarkdown).join(', ')}`)] : []),
          ],
          actions: message.action
            ? [{ type: 'Action.OpenUrl', title: message.action.label, url: message.action.url }]
            : [],
        },
      },
    ],
  };
}

import type { MentionedPerson, Notification } from './notification.js';
import { inertText, markdownLink, markdownText, plainLink } from './user-text.js';

export { escapeMarkdown } from './user-text.js';

/**
 * Pure functions from a Notification to each vendor's body. A person the vendor does not know
 * (no identity for it in the directory) is written by display name: never an error. Text is
 * made inert (user-text.ts) in every field; links are written in each vendor's own syntax, never
 * escaped: `[label](url)` in markdown, a button or card action, `label: url` in plain text.
 */

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
    return inertText(person.displayName);
  });
  return { at, text: words.join(' ') };
}

export function renderDingTalk(message: Notification, style: DingTalkStyle): object {
  const { at, text: mentionText } = dingTalkMentions(message.mentions);
  const msgUuid = message.id;
  const links = message.links ?? [];
  const mentionLines = mentionText ? [mentionText] : [];
  if (style === 'text') {
    const content = [
      inertText(message.title),
      ...message.lines.map(inertText),
      ...links.map(plainLink),
      ...mentionLines,
    ].join('\n');
    return { msgtype: 'text', text: { content }, at, msgUuid };
  }
  const heading = `### ${markdownText(message.title)}`;
  const body = message.lines.map(markdownText);
  if (style === 'actionCard' && links.length > 0) {
    // An actionCard carries no "at": the names are in its text. One button per link.
    const text = [heading, ...body, ...mentionLines].join('\n\n');
    const buttons =
      links.length === 1
        ? { singleTitle: inertText(links[0].label), singleURL: links[0].url }
        : {
            btnOrientation: '0',
            btns: links.map((link) => ({ title: inertText(link.label), actionURL: link.url })),
          };
    return {
      msgtype: 'actionCard',
      actionCard: { title: inertText(message.title), text, ...buttons },
      msgUuid,
    };
  }
  const text = [heading, ...body, ...links.map(markdownLink), ...mentionLines].join('\n\n');
  return {
    msgtype: 'markdown',
    markdown: { title: inertText(message.title), text },
    at,
    msgUuid,
  };
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
    .map((p) => inertText(p.displayName));
  const text = [
    inertText(message.title),
    ...message.lines.map(inertText),
    ...(message.links ?? []).map(plainLink),
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
    return canMention && personId ? `![:Person](${personId})` : markdownText(person.displayName);
  });
  return [
    ...message.lines.map(markdownText),
    ...(message.links ?? []).map(markdownLink),
    ...(mentions.length > 0 ? [mentions.join(' ')] : []),
  ].join('\n');
}

export function renderRingCentralPost(message: Notification): { text: string } {
  return { text: `**${markdownText(message.title)}**\n${renderRingCentralText(message, true)}` };
}

export function renderRingCentralWebhook(message: Notification): { title: string; text: string } {
  return { title: markdownText(message.title), text: renderRingCentralText(message, false) };
}

// ---------------------------------------------------------------- Microsoft Teams
/**
 * An Adaptive Card in the envelope a Workflows webhook takes: text in TextBlocks (Teams reads
 * markdown there, so it is inert and escaped), each link its own Action.OpenUrl.
 */
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
            text(markdownText(message.title), { weight: 'Bolder', size: 'Medium' }),
            ...message.lines.map((line) => text(markdownText(line))),
            ...(names.length > 0 ? [text(`For: ${names.map(markdownText).join(', ')}`)] : []),
          ],
          actions: (message.links ?? []).map((link) => ({
            type: 'Action.OpenUrl',
            title: inertText(link.label),
            url: link.url,
          })),
        },
      },
    ],
  };
}

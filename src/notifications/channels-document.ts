import {
  ChannelsFileError,
  parseChannelsFile,
  readChannelsJson,
  type ChannelSettings,
} from './channels-file.js';

/** What may be paged (docs/notifications.md, "Paging"). */
export const PAGE_EVENTS = [
  'queued',
  'escalated',
  'offered',
  // A routed request became a callback (paging/paging-pages.ts).
  'callback',
  'unanswered',
  'missed',
  'ended',
  // A booked session's pages, to its expert (paging/appointment-pages.ts).
  'booked',
  'reminder',
  'cancelled',
] as const;
export type PageEvent = (typeof PAGE_EVENTS)[number];

/**
 * One paging rule: calls of `queue` (`*`: any call, queued or direct) page `channel` on `on`.
 * Booked sessions likewise: those booked through `queue`, and (`*`) any session.
 */
export interface PagingRule {
  queue: string;
  channel: string;
  on: PageEvent[];
  /** With `reminder` (and only then): whole minutes before a session's start it is paged. */
  reminderMinutes?: number;
}

/** A reminder is paged from one minute to a week before the start. */
export const REMINDER_MINUTES = { min: 1, max: 10_080 } as const;

/** The `fallback` part: which CAM channel makes web meetings when xAssist is out of reach. */
export interface FallbackSettings {
  channel: string;
  /** How long a meeting URL works. */
  meetingMinutes: number;
}

/** CHANNELS_FILE as a whole: the channels, the paging rules, and the fallback if any. */
export interface ChannelsDocument {
  channels: ChannelSettings[];
  rules: PagingRule[];
  fallback: FallbackSettings | null;
}

type Env = Record<string, string | undefined>;
type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const RULE_KEYS = ['queue', 'channel', 'on', 'reminderMinutes'];
const QUEUE = /^([A-Za-z0-9._-]{1,64}|\*)$/;

/**
 * Why a channel cannot reach one person by themselves (an `offered` page is for one expert);
 * undefined when it can: DingTalk (an @mention), CAM without `room` (a direct message by email),
 * a RingCentral app (a personId mention). From the raw entry, so a channel with mistakes of its
 * own still gets this line checked.
 */
export function notDirect(raw: Raw): string | undefined {
  switch (raw.type) {
    case 'chatMessenger':
      return raw.room === undefined ? undefined : 'a CAM room (drop "room" for direct messages)';
    case 'ringcentral':
      return raw.webhookUrl === undefined
        ? undefined
        : 'a RingCentral webhook, which cannot mention (use an app channel)';
    case 'teams':
      return 'a Teams webhook, which cannot mention anyone';
    default:
      return undefined;
  }
}

/**
 * The `paging` part: `{"rules": [{"queue": "pumps", "channel": "ops-robot", "on": ["queued"]}]}`.
 * One line per mistake; queue ids are checked against the directory at start-up (the paging
 * module), since the directory is another file.
 */
export function parsePagingRules(
  input: unknown,
  channelIds: ReadonlySet<string>,
  indirect: ReadonlyMap<string, string> = new Map(),
): PagingRule[] {
  if (input === undefined) return [];
  if (!isObject(input) || !Array.isArray(input.rules))
    throw new ChannelsFileError('"paging" must be an object with a "rules" array');
  const lines: string[] = [];
  for (const key of Object.keys(input))
    if (key !== 'rules') lines.push(`paging: unknown field "${key}" (known: rules)`);
  const rules = input.rules.flatMap((raw: unknown, index): PagingRule[] => {
    const where = `paging.rules[${index}]`;
    const mistake = (message: string) => lines.push(`${where}: ${message}`);
    if (!isObject(raw)) {
      mistake('must be an object');
      return [];
    }
    for (const key of Object.keys(raw))
      if (!RULE_KEYS.includes(key))
        mistake(`unknown field "${key}" (known: ${RULE_KEYS.join(', ')})`);
    const { queue, channel, on } = raw;
    if (typeof queue !== 'string' || !QUEUE.test(queue))
      mistake('"queue" must be a queue id or "*" (any call)');
    if (typeof channel !== 'string') mistake('"channel" must be the id of a channel above');
    else if (!channelIds.has(channel))
      mistake(`"channel" is "${channel}", which is no channel above`);
    const events = Array.isArray(on) ? on : [];
    if (!Array.isArray(on) || on.length === 0)
      mistake(`"on" must be a non-empty array of ${PAGE_EVENTS.join(', ')}`);
    for (const event of events)
      if (!PAGE_EVENTS.includes(event as PageEvent))
        mistake(`"on" names ${JSON.stringify(event)}; use ${PAGE_EVENTS.join(', ')}`);
    const why = typeof channel === 'string' ? indirect.get(channel) : undefined;
    if (events.includes('offered') && why)
      mistake(`"on" names "offered", a page to one expert, but "${String(channel)}" is ${why}`);
    const reminderMinutes = reminderMinutesOf(raw.reminderMinutes, events, mistake);
    return [
      {
        queue: String(queue),
        channel: String(channel),
        on: [...new Set(events)] as PageEvent[],
        ...(reminderMinutes === undefined ? {} : { reminderMinutes }),
      },
    ];
  });
  if (lines.length > 0) throw new ChannelsFileError(lines.join('\n'));
  return rules;
}

/** `reminderMinutes`: required with `reminder` in `on`, refused without. */
function reminderMinutesOf(
  value: unknown,
  events: unknown[],
  mistake: (message: string) => void,
): number | undefined {
  const reminds = events.includes('reminder');
  if (value === undefined) {
    if (reminds)
      mistake('"on" names "reminder"; give "reminderMinutes" (minutes before the start)');
    return undefined;
  }
  if (!reminds) {
    mistake('"reminderMinutes" is only for a rule whose "on" names "reminder"');
    return undefined;
  }
  const { min, max } = REMINDER_MINUTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    mistake(`"reminderMinutes" must be a whole number of minutes from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

const FALLBACK_KEYS = ['channel', 'meetingMinutes'];

/**
 * The `fallback` part: `{"channel": "cam", "meetingMinutes": 60}`, a Chat&Messenger channel
 * above (only CAM makes web meetings). One line per mistake.
 */
export function parseFallback(
  input: unknown,
  channels: ReadonlyMap<string, Record<string, unknown>>,
): FallbackSettings | null {
  if (input === undefined) return null;
  if (!isObject(input))
    throw new ChannelsFileError('"fallback" must be an object like {"channel": "<a CAM channel>"}');
  const lines: string[] = [];
  for (const key of Object.keys(input))
    if (!FALLBACK_KEYS.includes(key))
      lines.push(`fallback: unknown field "${key}" (known: ${FALLBACK_KEYS.join(', ')})`);
  const { channel, meetingMinutes = 60 } = input;
  if (typeof channel !== 'string')
    lines.push('fallback: "channel" must be the id of a chatMessenger channel above');
  else if (!channels.has(channel))
    lines.push(`fallback: "channel" is "${channel}", which is no channel above`);
  else if (channels.get(channel)!.type !== 'chatMessenger')
    lines.push(
      `fallback: "channel" is "${channel}", a ${String(channels.get(channel)!.type)} channel; only chatMessenger makes web meetings`,
    );
  else if (channels.get(channel)!.room !== undefined)
    // The page carries the meeting's password: to the experts' direct messages, not a whole room.
    lines.push(
      `fallback: "channel" is "${channel}", a CAM room; the meeting's password must go to the experts alone (use a channel without "room")`,
    );
  if (
    typeof meetingMinutes !== 'number' ||
    !Number.isInteger(meetingMinutes) ||
    meetingMinutes < 5 ||
    meetingMinutes > 1440
  )
    lines.push('fallback: "meetingMinutes" must be a whole number of minutes from 5 to 1440');
  if (lines.length > 0) throw new ChannelsFileError(lines.join('\n'));
  return { channel: String(channel), meetingMinutes: meetingMinutes as number };
}

/** Channels, paging rules and fallback together; every mistake of every part, one line each. */
export function parseChannelsDocument(input: unknown, env: Env): ChannelsDocument {
  const lines: string[] = [];
  let channels: ChannelSettings[] = [];
  try {
    channels = parseChannelsFile(input, env);
  } catch (error) {
    if (!(error instanceof ChannelsFileError)) throw error;
    lines.push(error.message);
  }
  const raws: Raw[] =
    isObject(input) && Array.isArray(input.channels)
      ? input.channels.filter(
          (raw: unknown): raw is Raw => isObject(raw) && typeof raw.id === 'string',
        )
      : [];
  const ids = new Set(raws.map((raw) => raw.id as string));
  const indirect = new Map(
    raws.flatMap((raw) => {
      const why = notDirect(raw);
      return why ? [[raw.id as string, why] as const] : [];
    }),
  );
  let rules: PagingRule[] = [];
  try {
    rules = parsePagingRules(isObject(input) ? input.paging : undefined, ids, indirect);
  } catch (error) {
    if (!(error instanceof ChannelsFileError)) throw error;
    lines.push(error.message);
  }
  let fallback: FallbackSettings | null = null;
  try {
    const byId = new Map(raws.map((raw) => [raw.id as string, raw] as const));
    fallback = parseFallback(isObject(input) ? input.fallback : undefined, byId);
  } catch (error) {
    if (!(error instanceof ChannelsFileError)) throw error;
    lines.push(error.message);
  }
  if (lines.length > 0) throw new ChannelsFileError(lines.join('\n'));
  return { channels, rules, fallback };
}

/** No CHANNELS_FILE: nothing is paged. */
export const NO_CHANNELS: ChannelsDocument = { channels: [], rules: [], fallback: null };

/** Reads and parses the file: channels and paging rules. */
export function loadChannelsDocument(file: string, env: Env): ChannelsDocument {
  return readChannelsJson(file, (json) => parseChannelsDocument(json, env));
}

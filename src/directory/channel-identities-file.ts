import { DirectoryError, isObject } from './directory-file.js';
import type { ChannelIdentities, Person } from './person.js';

const CHANNEL_KEYS = ['dingtalk', 'chatMessenger', 'ringcentral'] as const;
/** DingTalk mobiles are digits, optionally with a country prefix like +86-. */
const MOBILE = /^\+?[0-9][0-9-]{4,31}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+$/;
/** Company users are numeric extension ids; guests look like glip-12345678. */
const RINGCENTRAL_PERSON = /^(glip-)?[0-9]{1,32}$/;
const USER_ID = /^[A-Za-z0-9._@$-]{1,64}$/;

type Mistake = (message: string) => void;

function unknownKeys(raw: object, known: readonly string[], field: string, mistake: Mistake) {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key))
      mistake(`"${field}" has unknown field "${key}" (known: ${known.join(', ')})`);
  }
}

function optionalText(
  raw: Record<string, unknown>,
  key: string,
  field: string,
  pattern: RegExp,
  what: string,
  mistake: Mistake,
): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) {
    mistake(`"${field}.${key}" must be ${what}`);
    return undefined;
  }
  return value;
}

/** One person's "channels" object, validated; undefined when absent. */
export function parseChannelIdentities(
  raw: unknown,
  mistake: Mistake,
): ChannelIdentities | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    mistake('"channels" must be an object');
    return undefined;
  }
  unknownKeys(raw, CHANNEL_KEYS, 'channels', mistake);
  const identities: ChannelIdentities = {};
  const section = (key: (typeof CHANNEL_KEYS)[number], fields: string[]) => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (!isObject(value)) {
      mistake(`"channels.${key}" must be an object`);
      return undefined;
    }
    unknownKeys(value, fields, `channels.${key}`, mistake);
    return value;
  };
  const dingtalk = section('dingtalk', ['userId', 'mobile']);
  if (dingtalk) {
    const where = 'channels.dingtalk';
    const userId = optionalText(dingtalk, 'userId', where, USER_ID, 'a DingTalk userId', mistake);
    const mobile = optionalText(dingtalk, 'mobile', where, MOBILE, 'a mobile number', mistake);
    if (dingtalk.userId === undefined && dingtalk.mobile === undefined)
      mistake('"channels.dingtalk" needs "userId" or "mobile"');
    if (userId !== undefined || mobile !== undefined) identities.dingtalk = { userId, mobile };
  }
  const cam = section('chatMessenger', ['email']);
  if (cam) {
    const where = 'channels.chatMessenger';
    const email = optionalText(cam, 'email', where, EMAIL, 'an email address', mistake);
    if (cam.email === undefined) mistake('"channels.chatMessenger.email" is required');
    if (email !== undefined) identities.chatMessenger = { email };
  }
  const ringcentral = section('ringcentral', ['personId']);
  if (ringcentral) {
    const where = 'channels.ringcentral';
    const what = 'a RingCentral personId (digits, or glip-<digits> for a guest)';
    const personId = optionalText(
      ringcentral,
      'personId',
      where,
      RINGCENTRAL_PERSON,
      what,
      mistake,
    );
    if (ringcentral.personId === undefined) mistake('"channels.ringcentral.personId" is required');
    if (personId !== undefined) identities.ringcentral = { personId };
  }
  return identities;
}

/**
 * Adds each person's optional "channels" from the directory file to the (already validated)
 * people. Every mistake is reported, one line each, in one DirectoryError.
 */
export function withChannelIdentities(input: unknown, people: Person[]): Person[] {
  if (!isObject(input) || !Array.isArray(input.people)) return people;
  const rawPeople = input.people as unknown[];
  const lines: string[] = [];
  const withChannels = people.map((person, index) => {
    const raw = rawPeople[index];
    if (!isObject(raw) || raw.channels === undefined) return person;
    const channels = parseChannelIdentities(raw.channels, (message) =>
      lines.push(`person "${person.id}": ${message}`),
    );
    return channels ? { ...person, channels } : person;
  });
  if (lines.length > 0) throw new DirectoryError(lines.join('\n'));
  return withChannels;
}

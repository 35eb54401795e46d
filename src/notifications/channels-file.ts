import { readFileSync } from 'node:fs';
import { DEFAULT_CHANNEL_HTTP, type ChannelHttpSettings } from './channel-http.js';
import { DINGTALK_STYLES, type DingTalkStyle } from './channel-renderers.js';
import type { ChatMessengerSettings } from './chat-messenger.channel.js';
import type { DingTalkSettings } from './dingtalk-robot.channel.js';
import { CHANNEL_VENDORS } from './notification-channel.port.js';
import type { RingCentralSettings } from './ringcentral.channel.js';
import type { TeamsSettings } from './teams-workflow.channel.js';

/** One channel of CHANNELS_FILE, validated, with its secrets read from the environment. */
export type ChannelSettings =
  | ({ vendor: 'dingtalk' } & DingTalkSettings)
  | ({ vendor: 'chatMessenger' } & ChatMessengerSettings)
  | ({ vendor: 'ringcentral' } & RingCentralSettings)
  | ({ vendor: 'teams' } & TeamsSettings);

export class ChannelsFileError extends Error {
  override name = 'ChannelsFileError';
}

type Env = Record<string, string | undefined>;
type Raw = Record<string, unknown>;

const COMMON_KEYS = ['id', 'type', 'connectTimeoutMs', 'requestTimeoutMs'];
const KEYS: Record<string, string[]> = {
  dingtalk: ['webhookUrl', 'secret', 'style'],
  chatMessenger: ['serverUrl', 'apiToken', 'room'],
  ringcentral: ['webhookUrl', 'serverUrl', 'clientId', 'clientSecret', 'jwt', 'chatId'],
  teams: ['webhookUrl'],
};
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const isObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads one channel's fields, adding one line per mistake. */
class ChannelReader {
  constructor(
    private readonly raw: Raw,
    private readonly where: string,
    private readonly env: Env,
    private readonly lines: string[],
  ) {}

  mistake(message: string): void {
    this.lines.push(`${this.where}: ${message}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  /** A plain string, or for a secret also `{"env": "NAME"}`: the variable's value. */
  text(key: string, { secret = false, optional = false } = {}): string | undefined {
    const value = this.raw[key];
    if (value === undefined) {
      if (!optional) this.mistake(`"${key}" is required`);
      return undefined;
    }
    if (
      secret &&
      isObject(value) &&
      typeof value.env === 'string' &&
      Object.keys(value).length === 1
    ) {
      const fromEnv = this.env[value.env]?.trim();
      if (!fromEnv)
        this.mistake(`"${key}" names environment variable ${value.env}, which is not set`);
      return fromEnv || undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      const forms = secret ? 'a non-empty string or {"env": "VARIABLE"}' : 'a non-empty string';
      this.mistake(`"${key}" must be ${forms}`);
      return undefined;
    }
    return value.trim();
  }

  /** https, or http on a loopback address (stand-ins) or where `httpAllowed` (CAM on premises). */
  url(key: string, { secret = false, httpAllowed = false } = {}): string | undefined {
    const value = this.text(key, { secret });
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      // A secret URL is never echoed: it carries the vendor's token.
      this.mistake(`"${key}" is not a URL${secret ? '' : `: "${value}"`}`);
      return undefined;
    }
    const http = parsed.protocol === 'http:' && (httpAllowed || LOOPBACK.has(parsed.hostname));
    if (parsed.protocol !== 'https:' && !http) {
      this.mistake(
        `"${key}" must use https (http only for a loopback address), got ${parsed.protocol}`,
      );
      return undefined;
    }
    return value;
  }

  milliseconds(key: string, fallback: number): number {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 120_000) {
      this.mistake(`"${key}" must be a whole number of milliseconds from 1 to 120000`);
      return fallback;
    }
    return value as number;
  }

  http(): ChannelHttpSettings {
    return {
      ...DEFAULT_CHANNEL_HTTP,
      connectTimeoutMs: this.milliseconds(
        'connectTimeoutMs',
        DEFAULT_CHANNEL_HTTP.connectTimeoutMs,
      ),
      requestTimeoutMs: this.milliseconds(
        'requestTimeoutMs',
        DEFAULT_CHANNEL_HTTP.requestTimeoutMs,
      ),
    };
  }
}

function dingtalk(read: ChannelReader, id: string): ChannelSettings {
  const webhookUrl = read.url('webhookUrl', { secret: true });
  if (webhookUrl && !new URL(webhookUrl).searchParams.get('access_token'))
    read.mistake('"webhookUrl" must carry the robot\'s access_token=... parameter');
  const secret = read.text('secret', { secret: true, optional: true });
  if (secret !== undefined && !secret.startsWith('SEC'))
    read.mistake('"secret" must be the robot\'s signing secret, which starts with SEC');
  const style = (read.text('style', { optional: true }) ?? 'markdown') as DingTalkStyle;
  if (!DINGTALK_STYLES.includes(style))
    read.mistake(`"style" must be one of ${DINGTALK_STYLES.join(', ')}`);
  return { vendor: 'dingtalk', id, webhookUrl: webhookUrl ?? '', secret, style, http: read.http() };
}

function chatMessenger(read: ChannelReader, id: string): ChannelSettings {
  return {
    vendor: 'chatMessenger',
    id,
    serverUrl: read.url('serverUrl', { httpAllowed: true }) ?? '',
    apiToken: read.text('apiToken', { secret: true }) ?? '',
    room: read.text('room', { optional: true }),
    http: read.http(),
  };
}

function ringcentral(read: ChannelReader, id: string): ChannelSettings {
  const appKeys = ['serverUrl', 'clientId', 'clientSecret', 'jwt', 'chatId'];
  if (read.has('webhookUrl')) {
    for (const key of appKeys.filter((k) => read.has(k)))
      read.mistake(
        `"${key}" is for an app; a channel with "webhookUrl" posts through the webhook only`,
      );
    return {
      vendor: 'ringcentral',
      id,
      mode: 'webhook',
      webhookUrl: read.url('webhookUrl', { secret: true }) ?? '',
      http: read.http(),
    };
  }
  if (!appKeys.some((key) => read.has(key))) {
    read.mistake(
      'give "webhookUrl", or "serverUrl", "clientId", "clientSecret", "jwt" and "chatId" for an app',
    );
  }
  return {
    vendor: 'ringcentral',
    id,
    mode: 'app',
    serverUrl: read.url('serverUrl') ?? '',
    clientId: read.text('clientId') ?? '',
    clientSecret: read.text('clientSecret', { secret: true }) ?? '',
    jwt: read.text('jwt', { secret: true }) ?? '',
    chatId: read.text('chatId') ?? '',
    http: read.http(),
  };
}

function teams(read: ChannelReader, id: string): ChannelSettings {
  const webhookUrl = read.url('webhookUrl', { secret: true });
  return { vendor: 'teams', id, webhookUrl: webhookUrl ?? '', http: read.http() };
}

const PARSERS = { dingtalk, chatMessenger, ringcentral, teams };

/**
 * Validates CHANNELS_FILE's JSON. Secrets may be `{"env": "NAME"}`, read from `env` (the caller's
 * environment, passed in: this module never reads process.env). Every mistake is reported, one
 * line each, in one ChannelsFileError.
 */
export function parseChannelsFile(input: unknown, env: Env): ChannelSettings[] {
  if (!isObject(input) || !Array.isArray(input.channels))
    throw new ChannelsFileError('the channels file must be a JSON object with a "channels" array');
  const lines: string[] = [];
  const seen = new Set<string>();
  const channels = input.channels.flatMap((raw: unknown, index) => {
    const where =
      isObject(raw) && typeof raw.id === 'string' ? `channel "${raw.id}"` : `channels[${index}]`;
    if (!isObject(raw)) {
      lines.push(`${where}: must be an object`);
      return [];
    }
    const read = new ChannelReader(raw, where, env, lines);
    const id = raw.id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id))
      read.mistake('"id" must be 1 to 64 letters, digits or ._-');
    else if (seen.has(id)) read.mistake('"id" is used by another channel too');
    else seen.add(id);
    const type = raw.type as (typeof CHANNEL_VENDORS)[number];
    if (!CHANNEL_VENDORS.includes(type)) {
      read.mistake(
        `"type" is ${JSON.stringify(raw.type)}; use one of ${CHANNEL_VENDORS.join(', ')}`,
      );
      return [];
    }
    const known = [...COMMON_KEYS, ...KEYS[type]];
    for (const key of Object.keys(raw))
      if (!known.includes(key))
        read.mistake(`unknown field "${key}" for a ${type} channel (known: ${known.join(', ')})`);
    return [PARSERS[type](read, String(id))];
  });
  if (lines.length > 0) throw new ChannelsFileError(lines.join('\n'));
  return channels;
}

/** Reads the file as JSON and parses it with `parse`; every line of the error names the file. */
export function readChannelsJson<T>(file: string, parse: (json: unknown) => T): T {
  const fail = (message: string): never => {
    throw new ChannelsFileError(
      message
        .split('\n')
        .map((line) => `CHANNELS_FILE ${file}: ${line}`)
        .join('\n'),
    );
  };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(`cannot be read as JSON: ${(error as Error).message}`);
  }
  try {
    return parse(json);
  } catch (error) {
    return fail((error as Error).message);
  }
}

/** Reads and parses the file's channels. */
export function loadChannelsFile(file: string, env: Env): ChannelSettings[] {
  return readChannelsJson(file, (json) => parseChannelsFile(json, env));
}

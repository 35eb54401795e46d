import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retryAfterMs } from './channel-http.js';
import { ChannelsFileError, loadChannelsFile, parseChannelsFile } from './channels-file.js';

const env = {
  OPS_URL: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
  OPS_SECRET: 'SECxyz',
  CAM_TOKEN: 't0k',
  RC_JWT: 'jwt',
  BLANK: '  ',
};
const mistakesOf = (channels: unknown[]): string[] => {
  try {
    parseChannelsFile({ channels }, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelsFileError);
    return (error as Error).message.split('\n');
  }
  throw new Error('expected a ChannelsFileError');
};

describe('CHANNELS_FILE', () => {
  it('reads every vendor, secrets from the variables it names, with defaults', () => {
    const channels = parseChannelsFile(
      {
        channels: [
          {
            id: 'ops',
            type: 'dingtalk',
            webhookUrl: { env: 'OPS_URL' },
            secret: { env: 'OPS_SECRET' },
            style: 'actionCard',
          },
          {
            id: 'cam',
            type: 'chatMessenger',
            serverUrl: 'http://cam.acme.local:8080/api',
            apiToken: { env: 'CAM_TOKEN' },
            room: 'Maintenance',
          },
          {
            id: 'rc',
            type: 'ringcentral',
            serverUrl: 'https://platform.ringcentral.com',
            clientId: 'c',
            clientSecret: 's',
            jwt: { env: 'RC_JWT' },
            chatId: '42',
            requestTimeoutMs: 5000,
          },
          {
            id: 'rc-hook',
            type: 'ringcentral',
            webhookUrl: 'https://hooks.ringcentral.com/webhook/v2/tok',
          },
          {
            id: 'teams',
            type: 'teams',
            webhookUrl: 'https://prod.westeurope.logic.azure.com/workflows/x?sig=s',
          },
        ],
      },
      env,
    );
    expect(channels.map((c) => [c.id, c.vendor])).toEqual([
      ['ops', 'dingtalk'],
      ['cam', 'chatMessenger'],
      ['rc', 'ringcentral'],
      ['rc-hook', 'ringcentral'],
      ['teams', 'teams'],
    ]);
    expect(channels[0]).toMatchObject({
      webhookUrl: env.OPS_URL,
      secret: 'SECxyz',
      style: 'actionCard',
      http: { requestTimeoutMs: 15_000 },
    });
    expect(channels[1]).toMatchObject({ apiToken: 't0k', room: 'Maintenance' });
    expect(channels[2]).toMatchObject({
      mode: 'app',
      jwt: 'jwt',
      chatId: '42',
      http: { requestTimeoutMs: 5000 },
    });
    expect(channels[3]).toMatchObject({ mode: 'webhook' });
  });

  it('says every mistake in one line each, never echoing a secret URL', () => {
    expect(
      mistakesOf([
        {
          id: 'ops',
          type: 'dingtalk',
          webhookUrl: 'https://oapi.dingtalk.com/robot/send',
          secret: 'nope',
          style: 'fancy',
        },
        { id: 'ops', type: 'dingtalk', webhookUrl: { env: 'MISSING' }, secret: { env: 'BLANK' } },
        { id: 'cam', type: 'chatMessenger', serverUrl: 'ftp://cam', apiToken: 42, extra: true },
        { id: 'rc', type: 'ringcentral', webhookUrl: 'http://hooks.example/x', jwt: 'j' },
        { id: 'rc2', type: 'ringcentral' },
        { id: 'bad id!', type: 'slack' },
        { id: 'teams', type: 'teams', webhookUrl: 'not a url with secret', requestTimeoutMs: 0 },
        'nope',
      ]),
    ).toEqual([
      'channel "ops": "webhookUrl" must carry the robot\'s access_token=... parameter',
      'channel "ops": "secret" must be the robot\'s signing secret, which starts with SEC',
      'channel "ops": "style" must be one of text, markdown, actionCard',
      'channel "ops": "id" is used by another channel too',
      'channel "ops": "webhookUrl" names environment variable MISSING, which is not set',
      'channel "ops": "secret" names environment variable BLANK, which is not set',
      'channel "cam": unknown field "extra" for a chatMessenger channel (known: id, type, connectTimeoutMs, requestTimeoutMs, serverUrl, apiToken, room)',
      'channel "cam": "serverUrl" must use https (http only for a loopback address), got ftp:',
      'channel "cam": "apiToken" must be a non-empty string or {"env": "VARIABLE"}',
      'channel "rc": "jwt" is for an app; a channel with "webhookUrl" posts through the webhook only',
      'channel "rc": "webhookUrl" must use https (http only for a loopback address), got http:',
      'channel "rc2": give "webhookUrl", or "serverUrl", "clientId", "clientSecret", "jwt" and "chatId" for an app',
      'channel "rc2": "serverUrl" is required',
      'channel "rc2": "clientId" is required',
      'channel "rc2": "clientSecret" is required',
      'channel "rc2": "jwt" is required',
      'channel "rc2": "chatId" is required',
      'channel "bad id!": "id" must be 1 to 64 letters, digits or ._-',
      'channel "bad id!": "type" is "slack"; use one of dingtalk, chatMessenger, ringcentral, teams',
      'channel "teams": "webhookUrl" is not a URL',
      'channel "teams": "requestTimeoutMs" must be a whole number of milliseconds from 1 to 120000',
      'channels[7]: must be an object',
    ]);
    expect(() => parseChannelsFile([], env)).toThrow(
      'the channels file must be a JSON object with a "channels" array',
    );
  });

  it('names the file in every line, and says when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'channels-'));
    try {
      const file = join(dir, 'channels.json');
      writeFileSync(file, '{"channels": [');
      expect(() => loadChannelsFile(file, env)).toThrow(
        `CHANNELS_FILE ${file}: cannot be read as JSON`,
      );
      writeFileSync(
        file,
        JSON.stringify({
          channels: [
            { id: 'a', type: 'teams' },
            { id: 'b', type: 'x' },
          ],
        }),
      );
      expect(() => loadChannelsFile(file, env)).toThrow(
        `CHANNELS_FILE ${file}: channel "a": "webhookUrl" is required\nCHANNELS_FILE ${file}: channel "b": "type" is "x"`,
      );
      writeFileSync(file, JSON.stringify({ channels: [] }));
      expect(loadChannelsFile(file, env)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(['3'], now)).toBe(3_000);
    expect(retryAfterMs('Mon, 23 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 23 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

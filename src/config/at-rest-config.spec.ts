import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './app-config.js';
import { DEMO_DATA_KEY } from './at-rest-config.js';

const production = {
  XASSIST_BASE_URL: 'https://frontline.example.com/acme',
  XASSIST_USERNAME: 'connector',
  XASSIST_PASSWORD: 'pw',
  XASSIST_DOMAIN: 'acme',
  AUTH_JWT_SECRET: 'a-production-secret-of-32-bytes!',
  DIRECTORY_FILE: './people.json',
};
const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');

describe('at rest (issue 18 item 8): DATA_ENCRYPTION_KEYS and the retention settings', () => {
  it('demo mode encrypts with the public demo key; retention defaults to 7 days, 1 day and 400 days', () => {
    expect(loadConfig({}).atRest).toEqual({
      keys: [DEMO_DATA_KEY],
      outboxRetentionMs: 168 * 3_600_000,
      acceptLinkRetentionMs: 24 * 3_600_000,
      retentionDays: 400,
    });
  });

  it('reads keys with ids: the first encrypts, all decrypt', () => {
    const { keys } = loadConfig({
      ...production,
      DATA_ENCRYPTION_KEYS: ` k2:${K2} , k1:${K1}`,
    }).atRest;
    expect(keys.map((key) => [key.id, key.key.toString('base64')])).toEqual([
      ['k2', K2],
      ['k1', K1],
    ]);
  });

  it('reads the retention hours', () => {
    const { atRest } = loadConfig({
      OUTBOX_RETENTION_HOURS: '2',
      ACCEPT_LINK_RETENTION_HOURS: '3',
    });
    expect([atRest.outboxRetentionMs, atRest.acceptLinkRetentionMs]).toEqual([
      7_200_000, 10_800_000,
    ]);
    expect(loadConfig({ RETENTION_DAYS: '30' }).atRest.retentionDays).toBe(30);
  });

  it('production without keys keeps none (creating a webhook is then refused)', () => {
    expect(loadConfig(production).atRest.keys).toEqual([]);
  });

  it.each([
    [
      {
        CHANNELS_FILE: './channels.json',
        ACCEPT_LINK_SECRET: 'accept-link-secret-for-the-at-rest-spec-0123',
        PUBLIC_URL: 'https://broker.acme.example',
      },
      /^DATA_ENCRYPTION_KEYS is required with CHANNELS_FILE in production mode/,
    ],
    [{ DATA_ENCRYPTION_KEYS: K1 }, /^DATA_ENCRYPTION_KEYS entry 1 must be <id>:<base64 key>/],
    [{ DATA_ENCRYPTION_KEYS: `k1:${K1},` }, /^DATA_ENCRYPTION_KEYS entry 2 must be <id>:/],
    [
      { DATA_ENCRYPTION_KEYS: `k1:${randomBytes(16).toString('base64')}` },
      /^DATA_ENCRYPTION_KEYS key "k1" must be 32 bytes in base64 \(openssl rand -base64 32\), got 16$/,
    ],
    [
      { DATA_ENCRYPTION_KEYS: `k1:${K1.replace(/=$/, '')}!` },
      /^DATA_ENCRYPTION_KEYS key "k1" must be 32 bytes in base64/,
    ],
    [{ DATA_ENCRYPTION_KEYS: `k1:${K1},k1:${K2}` }, /^DATA_ENCRYPTION_KEYS names key "k1" twice$/],
    [
      { DATA_ENCRYPTION_KEYS: `a key:${K1}` },
      /^DATA_ENCRYPTION_KEYS key id "a key" must be 1 to 16 letters, digits, _ or -$/,
    ],
    [
      { DATA_ENCRYPTION_KEYS: `${DEMO_DATA_KEY.id}:${DEMO_DATA_KEY.key.toString('base64')}` },
      /^DATA_ENCRYPTION_KEYS must not hold the public demo key outside demo mode$/,
    ],
    [{ OUTBOX_RETENTION_HOURS: '0' }, /^OUTBOX_RETENTION_HOURS must be a whole number from 1/],
    [{ ACCEPT_LINK_RETENTION_HOURS: 'x' }, /^ACCEPT_LINK_RETENTION_HOURS must be a whole number/],
    [{ RETENTION_DAYS: '0' }, /^RETENTION_DAYS must be a whole number from 1/],
  ])('stops start-up on %j with one line', (env, message) => {
    const load = () => loadConfig({ ...production, ...env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('never shows a key in its error lines', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => loadConfig({ DATA_ENCRYPTION_KEYS: `k1:${short}` })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(short) }),
    );
  });
});

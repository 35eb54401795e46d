import { ConfigError, DEMO_JWT_SECRET, loadConfig } from './app-config.js';

const JWT_SECRET = 'jwt-secret-for-the-paging-config-spec-0123456789';
const LINK_SECRET = 'accept-link-secret-for-the-paging-spec-0123456789';
/** Production with chat channels, everything paging needs given. */
const PRODUCTION = {
  BROKER_MODE: 'production',
  XASSIST_BASE_URL: 'https://xassist.acme.example/acme',
  XASSIST_USERNAME: 'connector',
  XASSIST_PASSWORD: 'secret',
  XASSIST_DOMAIN: 'acme',
  AUTH_JWT_SECRET: JWT_SECRET,
  DIRECTORY_FILE: './people.json',
  CHANNELS_FILE: './channels.json',
  ACCEPT_LINK_SECRET: LINK_SECRET,
  PUBLIC_URL: 'https://broker.acme.example/',
  DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

/** The one start-up line a configuration stops with. */
function refusal(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('paging configuration: ACCEPT_LINK_SECRET and PUBLIC_URL', () => {
  it('takes a production configuration with channels, a strong link secret and PUBLIC_URL', () => {
    const { paging } = loadConfig(PRODUCTION);
    expect(paging.acceptLinkSecret).toBe(LINK_SECRET);
    expect(paging.publicUrl).toBe('https://broker.acme.example');
  });

  it('needs ACCEPT_LINK_SECRET with CHANNELS_FILE outside demo mode', () => {
    expect(refusal({ ...PRODUCTION, ACCEPT_LINK_SECRET: undefined })).toBe(
      'ACCEPT_LINK_SECRET is required with CHANNELS_FILE outside demo mode (it signs accept links)',
    );
  });

  it('needs PUBLIC_URL with CHANNELS_FILE in production (links would point at localhost)', () => {
    expect(refusal({ ...PRODUCTION, PUBLIC_URL: undefined })).toBe(
      'PUBLIC_URL is required with CHANNELS_FILE in production: the links of chat pages must point where people reach the broker (https://broker.acme.example)',
    );
    expect(
      loadConfig({
        ...PRODUCTION,
        BROKER_MODE: 'demo',
        PUBLIC_URL: undefined,
        XASSIST_BASE_URL: undefined,
      }).paging.publicUrl,
    ).toBeUndefined();
  });

  it('needs at least 32 bytes, counted as bytes', () => {
    expect(refusal({ ...PRODUCTION, ACCEPT_LINK_SECRET: 'short-secret' })).toBe(
      'ACCEPT_LINK_SECRET must be at least 32 bytes long (got 12); openssl rand -base64 48 makes one',
    );
  });

  it('refuses the public demo secret outside demo mode', () => {
    expect(refusal({ ...PRODUCTION, ACCEPT_LINK_SECRET: DEMO_JWT_SECRET })).toBe(
      'ACCEPT_LINK_SECRET is the public demo secret; outside demo mode use a random one (openssl rand -base64 48)',
    );
  });

  it.each(['a'.repeat(32), 'ab'.repeat(20), '0123'.repeat(10), 'password'.repeat(5)])(
    'refuses a secret that is one short run repeated (%s)',
    (secret) => {
      expect(refusal({ ...PRODUCTION, ACCEPT_LINK_SECRET: secret })).toBe(
        'ACCEPT_LINK_SECRET is a few characters repeated; use a random one (openssl rand -base64 48)',
      );
    },
  );

  it('refuses the JWT secret itself: the two keys sign different things', () => {
    expect(refusal({ ...PRODUCTION, ACCEPT_LINK_SECRET: JWT_SECRET })).toBe(
      'ACCEPT_LINK_SECRET must differ from AUTH_JWT_SECRET (one leaked key would then forge both sessions and accept links)',
    );
    expect(
      refusal({
        BROKER_MODE: 'demo',
        CHANNELS_FILE: './c.json',
        ACCEPT_LINK_SECRET: DEMO_JWT_SECRET,
      }),
    ).toMatch(/^ACCEPT_LINK_SECRET must differ from AUTH_JWT_SECRET/);
  });
});

import { ConfigError, type Env, isPresent, text } from './env-readers.js';

/**
 * Variables that only make sense against a real xAssist and a real identity setup. Setting any
 * of them, even blank, means production: a half-configured deployment must stop with a clear
 * line, never quietly fall back to the simulator and the public demo secret.
 */
export const PRODUCTION_VARIABLES = [
  'XASSIST_BASE_URL',
  'XASSIST_USERNAME',
  'XASSIST_PASSWORD',
  'XASSIST_DOMAIN',
  'AUTH_JWT_SECRET',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_JWKS_URL',
  'DIRECTORY_FILE',
] as const;

export interface BrokerMode {
  demoMode: boolean;
  /** The tail of every "is required" line: why this is production mode. */
  requiredWhy: string;
}

/**
 * `BROKER_MODE=demo|production` decides; unset, demo mode is the default only when no production
 * variable is set at all, so `npm start` on a fresh machine still shows the demo.
 */
export function brokerMode(env: Env): BrokerMode {
  if (isPresent(env, 'BROKER_MODE')) {
    const raw = env.BROKER_MODE ?? '';
    if (raw !== 'demo' && raw !== 'production') {
      throw new ConfigError(`BROKER_MODE must be "demo" or "production", got "${raw}"`);
    }
    if (raw === 'demo' && text(env, 'XASSIST_BASE_URL') !== undefined) {
      throw new ConfigError(
        'XASSIST_BASE_URL is set but BROKER_MODE=demo simulates xAssist; unset one of them',
      );
    }
    return { demoMode: raw === 'demo', requiredWhy: 'in production mode (BROKER_MODE=production)' };
  }
  const trigger = PRODUCTION_VARIABLES.find((name) => isPresent(env, name));
  if (trigger === undefined) return { demoMode: true, requiredWhy: '' };
  return {
    demoMode: false,
    requiredWhy: `in production mode (chosen because ${trigger} is set; for the demo unset it or set BROKER_MODE=demo)`,
  };
}

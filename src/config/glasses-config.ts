import { ConfigError, type Env, text } from './env-readers.js';

/** How the glasses app joins the xAssist call it is invited to. */
export interface GlassesConfig {
  /** `XASSIST_JOIN_URL_TEMPLATE`: an http(s) URL with `{callId}` where the xAssist call id goes. */
  joinUrlTemplate: string | null;
}

export const CALL_ID_PLACEHOLDER = '{callId}';

export function glassesConfig(env: Env): GlassesConfig {
  const name = 'XASSIST_JOIN_URL_TEMPLATE';
  const raw = text(env, name);
  if (raw === undefined) return { joinUrlTemplate: null };
  if (!raw.includes(CALL_ID_PLACEHOLDER)) {
    throw new ConfigError(`${name} must contain ${CALL_ID_PLACEHOLDER}, got "${raw}"`);
  }
  let parsed: URL;
  try {
    parsed = new URL(raw.replaceAll(CALL_ID_PLACEHOLDER, 'call-id'));
  } catch {
    throw new ConfigError(`${name} must be an http or https URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must use http: or https:, got "${parsed.protocol}"`);
  }
  return { joinUrlTemplate: raw };
}

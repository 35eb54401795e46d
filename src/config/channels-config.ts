import { type Env, text } from './env-readers.js';

/**
 * Where the chat channels are described (DingTalk robots, Chat&Messenger, RingCentral, Teams).
 * Unset: no channel, nothing is ever posted. The file is validated by
 * src/notifications/channels-file.ts; the secrets it names stay in the environment.
 */
export function channelsConfig(env: Env): { channelsFile: string | undefined } {
  return { channelsFile: text(env, 'CHANNELS_FILE') };
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEOPLE } from './broker-harness.js';
import type { ChatMessengerStandIn } from '../../src/notifications/stand-ins/chat-messenger.stand-in.js';
import type { DingTalkStandIn } from '../../src/notifications/stand-ins/dingtalk.stand-in.js';

/** A CHANNELS_FILE for one suite, in a directory of its own that `remove()` deletes. */
export class ChannelsFile {
  private readonly dir = mkdtempSync(join(tmpdir(), 'channels-e2e-'));
  readonly path = join(this.dir, 'channels.json');

  /** Writes the document; answers the path, for CHANNELS_FILE. */
  write(document: object): string {
    writeFileSync(this.path, JSON.stringify(document));
    return this.path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Chat&Messenger channel on the stand-in at its serverUrl, the token from CAM_TOKEN. */
export function camChannel(id: string, cam: ChatMessengerStandIn, extra: object = {}): object {
  return {
    id,
    type: 'chatMessenger',
    serverUrl: cam.serverUrl,
    apiToken: { env: 'CAM_TOKEN' },
    ...extra,
  };
}

/**
 * The harness people with chat identities: erika known to DingTalk (mobile), CAM (email) and
 * RingCentral (personId); ed, who has the `pumps` skill here too, to CAM only (DingTalk and
 * RingCentral write his name). CAM without a room reaches each of them alone.
 */
export const CHAT_PEOPLE = PEOPLE.map((person) =>
  person.id === 'erika'
    ? {
        ...person,
        channels: {
          dingtalk: { mobile: '13800000001' },
          chatMessenger: { email: 'erika@acme.example' },
          ringcentral: { personId: '111' },
        },
      }
    : person.id === 'ed'
      ? { ...person, skills: ['pumps'], channels: { chatMessenger: { email: 'ed@acme.example' } } }
      : person,
);

/** A DingTalk robot on the stand-in, signing with `secret`, in the plain `text` style. */
export function dingTalkChannel(id: string, robot: DingTalkStandIn, secret: string): object {
  return { id, type: 'dingtalk', webhookUrl: robot.webhookUrl, secret, style: 'text' };
}

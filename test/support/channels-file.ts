import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A DingTalk robot on the stand-in, signing with `secret`, in the plain `text` style. */
export function dingTalkChannel(id: string, robot: DingTalkStandIn, secret: string): object {
  return { id, type: 'dingtalk', webhookUrl: robot.webhookUrl, secret, style: 'text' };
}

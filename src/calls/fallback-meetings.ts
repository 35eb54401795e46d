import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../logging/logger.js';
import { XAssistUnavailableError, type XAssistError } from '../xassist/xassist.errors.js';
import type { CallRecord } from './call.model.js';

/** A web meeting offered instead of the xAssist call (docs/notifications.md, "Fallback"). */
export interface FallbackMeeting {
  /** Which tool made it: only Chat&Messenger's createQuickCall today. */
  provider: 'chatMessenger';
  url: string;
  /** Null once the meeting expired: the retention sweep wipes it from the database. */
  password: string | null;
  expiresAt: string;
}

/** Makes one web meeting for a call; throws when the tool cannot (logged, never fatal). */
export type FallbackMeetingSource = (call: CallRecord) => Promise<FallbackMeeting>;

/**
 * Whether a failed creation may be answered with a web meeting: only when xAssist is out of
 * reach (what answers 503 xassist_unavailable: a 5xx, a timeout, the circuit open), never when it
 * refused the call (502, a web meeting would not fix the request), and only for a call that named
 * its experts: a routed call goes back to its queue instead.
 */
export function fallbackApplies(call: CallRecord, error: XAssistError): boolean {
  return error instanceof XAssistUnavailableError && call.queueId === null;
}

/**
 * The seam between call creation and the chat tool that makes web meetings: the paging module
 * plugs CHANNELS_FILE's `fallback` channel in at start-up, so the calls module knows no vendor.
 */
@Injectable()
export class FallbackMeetings {
  private source: FallbackMeetingSource | undefined;

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  use(source: FallbackMeetingSource): void {
    this.source = source;
  }

  get configured(): boolean {
    return this.source !== undefined;
  }

  /** A meeting for the call, or null: none configured, or the tool failed too (logged). */
  async meetingFor(call: CallRecord): Promise<FallbackMeeting | null> {
    if (!this.source) return null;
    try {
      return await this.source(call);
    } catch (error) {
      this.logger.warn(
        { callId: call.id, err: error },
        'xAssist is unreachable and no fallback web meeting could be made either',
      );
      return null;
    }
  }
}

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
 * The port through which call creation gets a web meeting: implemented by whichever module knows
 * a tool that makes them (paging, with CHANNELS_FILE's `fallback` channel), provided globally, so
 * the calls module knows no vendor and no registry is filled at run time.
 */
export abstract class FallbackMeetingMaker {
  /** False when no tool is configured: nothing is ever made. */
  abstract readonly configured: boolean;
  /** Throws when the tool cannot make one. */
  abstract make(call: CallRecord): Promise<FallbackMeeting>;
}

/** Asks the maker, if any; a failure is logged and never fatal (the call fails as it would). */
@Injectable()
export class FallbackMeetings {
  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    // Paging provides it globally; unit specs may leave it out (then none is ever made).
    private readonly maker?: FallbackMeetingMaker,
  ) {}

  get configured(): boolean {
    return this.maker?.configured ?? false;
  }

  /** A meeting for the call, or null: none configured, or the tool failed too (logged). */
  async meetingFor(call: CallRecord): Promise<FallbackMeeting | null> {
    if (!this.maker?.configured) return null;
    try {
      return await this.maker.make(call);
    } catch (error) {
      this.logger.warn(
        { callId: call.id, err: error },
        'xAssist is unreachable and no fallback web meeting could be made either',
      );
      return null;
    }
  }
}

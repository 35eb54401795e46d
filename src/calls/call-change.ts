import { assertTransition, STATUS_TIMESTAMP, type CallStatus } from './call-lifecycle.js';
import type { CallEventRecord, CallRecord } from './call.model.js';
import type { FallbackMeeting } from './fallback-meetings.js';
import type { Rating, WrapUp } from './wrap-up.js';
import { boundXAssistEvent, seenKeyOf } from './xassist-event-bounds.js';

/** What routing records in a call's log, as `routing.<type>` events. */
export type RoutingEventType = 'escalated' | 'accept_failed' | 'taken_by_demo_expert';

/**
 * A change to one call being put together: transitions go through the state machine, and every
 * status change and xAssist event becomes the next event in seq order. Nothing is written here.
 */
export class CallChange {
  readonly call: CallRecord;
  readonly events: CallEventRecord[] = [];
  readonly seenXAssistEventIds: string[] = [];
  /** A field changed that no event records (linkXAssistCall): the row is still written. */
  private fieldsOnly = false;

  constructor(
    readonly before: CallRecord,
    readonly at: string,
  ) {
    this.call = { ...before };
  }

  get isEmpty(): boolean {
    return this.events.length === 0 && this.seenXAssistEventIds.length === 0 && !this.fieldsOnly;
  }

  transition(
    to: CallStatus,
    fields: Partial<
      Pick<
        CallRecord,
        | 'joinedExpertId'
        | 'failureReason'
        | 'xassistCallId'
        | 'experts'
        | 'acceptedById'
        | 'queuedAt'
        | 'nextOpensAt'
      >
    > = {},
  ): void {
    assertTransition(this.call.status, to);
    Object.assign(this.call, fields);
    this.call.status = to;
    const stamp = STATUS_TIMESTAMP[to];
    if (stamp) this.call[stamp] = this.at;
    this.append(`status.${to}`, null);
  }

  /**
   * Links the xAssist call created for a call that moved on meanwhile (a cancel during createCall),
   * so that it is never adopted by another call; no status change, so no event of its own.
   */
  linkXAssistCall(xassistCallId: string): void {
    this.call.xassistCallId = xassistCallId;
    this.fieldsOnly = true;
  }

  /** Records something routing did to the call (an escalation, a failed accept) as its next event. */
  noteRouting(what: RoutingEventType): void {
    this.append(`routing.${what}`, null);
  }

  /** A web meeting was offered instead of the xAssist call: kept on the call, said in its log. */
  offerFallback(meeting: FallbackMeeting): void {
    this.call.fallbackMeeting = meeting;
    this.append('fallback.offered', null);
  }

  /**
   * The expert's wrap-up, first recorded (`wrap_up.submitted`) or edited (`wrap_up.edited`):
   * every version is an event of the log; the row keeps the latest.
   */
  recordWrapUp(wrapUp: WrapUp): void {
    const first = this.call.wrapUp === null;
    this.call.wrapUp = wrapUp;
    this.append(first ? 'wrap_up.submitted' : 'wrap_up.edited', null);
  }

  /** The technician's rating, given (`rating.given`) or changed (`rating.edited`). */
  recordRating(rating: Rating): void {
    const first = this.call.rating === null;
    this.call.rating = rating;
    this.append(first ? 'rating.given' : 'rating.edited', null);
  }

  /** Records an upstream event, bounded to what the columns hold (see xassist-event-bounds.ts). */
  recordXAssistEvent(event: Record<string, unknown> & { id: unknown; type: unknown }): void {
    this.seenXAssistEventIds.push(seenKeyOf(event.id));
    const { type, payload } = boundXAssistEvent(event);
    this.append(type, payload);
  }

  private append(type: string, xassist: Record<string, unknown> | null): void {
    this.call.seq += 1;
    this.call.updatedAt = this.at;
    this.events.push({
      callId: this.call.id,
      seq: this.call.seq,
      type,
      at: this.at,
      status: this.call.status,
      xassist,
    });
  }
}

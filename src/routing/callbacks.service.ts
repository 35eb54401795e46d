import { Injectable } from '@nestjs/common';
import { canSeeCall } from '../calls/call-access.js';
import { CallChange } from '../calls/call-change.js';
import { backToWaiting, CallCreation, type FailedCreation } from '../calls/call-creation.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import type { CallRecord, CallView, Participant } from '../calls/call.model.js';
import { CallRepository, StaleCallError } from '../calls/call.repository.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/broker-error.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { callbackExpired, callbackRefusal } from './callback-rules.js';
import { OwnRequestError } from './offer.service.js';
import { requestersOf } from './routing-rules.js';

/** How often the leader looks for callbacks past their time: they are counted in hours. */
export const CALLBACK_SWEEP_MS = 60_000;

/** The 409 of a taker who came too late: what happened, and what to do about it. */
function noLongerWaiting(callId: string): string {
  return `call ${callId} is no longer waiting for a callback: another expert took it, the technician withdrew it, or it expired; the callbacks list shows what still waits`;
}

/** The callback becomes the expert's call, as an accepted offer does; only one still pending. */
function takeCallback(current: CallRecord, at: string, expert: Participant): CallChange {
  if (current.status !== 'callback_pending')
    throw new ConflictError(
      `call ${current.id} is ${current.status}, no longer waiting for a callback`,
    );
  const change = new CallChange(current, at);
  change.transition('creating', { experts: [expert], acceptedById: expert.id });
  return change;
}

/** xAssist failed for the taken callback: it waits for an expert again (said in its log). */
const backToCallbacks: FailedCreation = (current, at) =>
  backToWaiting(current, at, 'callback_pending');

/**
 * Callbacks (docs/routing.md, "Callbacks"): an expert takes one, which creates the xAssist call
 * for the technician as if they had asked (CallCreation.createTaken: creatorUser the technician,
 * the expert and the connector invited; the glasses ring once the expert joined); and the
 * leader's routing tick ends those past the queue's `callbackHours` unanswered.
 */
@Injectable()
export class Callbacks {
  /** When the next sweep is due; 0 after a start, so a restarted leader looks at once. */
  private nextSweepMs = 0;

  constructor(
    private readonly calls: CallRepository,
    private readonly creation: CallCreation,
    private readonly ledger: CallLedger,
    private readonly placements: QueuePlacements,
    private readonly directory: DirectoryService,
  ) {}

  /**
   * `POST /v1/calls/:id/callback`: 404 for a call the caller may not see, 403 without the queue's
   * skills or for their own request, 409 when it is not (or no longer) a pending callback: of
   * two experts racing, one wins. xAssist failing answers 502/503 and the callback stays pending.
   */
  async take(caller: Person, callId: string): Promise<CallView> {
    const call = await this.calls.find(callId);
    // An expert saw the routed request in the queue: once another took it (or it was withdrawn)
    // they hear 409, not a 404 that says it never was; the status stays theirs to see alone.
    const watched = call?.queueId != null && hasRole(caller, 'expert');
    if (!call || !(watched || canSeeCall(caller, call)))
      throw new NotFoundError(`call ${callId} not found`);
    const queue = call.queueId === null ? undefined : this.directory.queue(call.queueId);
    if (call.status !== 'callback_pending' || !queue)
      throw new ConflictError(noLongerWaiting(callId));
    const refusal = callbackRefusal(caller, queue);
    if (refusal) throw new ForbiddenError(refusal);
    if (requestersOf(call).includes(caller.id)) throw new OwnRequestError();
    // In this process a second taker would share the first's creation: refuse it instead (the
    // seq guard settles takers on other instances).
    if (this.creation.isInFlight(call.id)) throw new ConflictError(noLongerWaiting(callId));
    const expert: Participant = {
      id: caller.id,
      displayName: caller.displayName,
      xassistUserId: caller.xassist!.userId,
      xassistUserDbId: caller.xassist!.userDbId,
    };
    const created = await this.creation.createTaken(
      call,
      (current, at) => takeCallback(current, at, expert),
      backToCallbacks,
    );
    return this.placements.view(created);
  }

  /** Once a minute at most (the leader's tick calls it): callbacks past their time end unanswered. */
  async expireDue(nowMs: number): Promise<void> {
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + CALLBACK_SWEEP_MS;
    for (const call of await this.calls.withStatus(['callback_pending'])) {
      const queue = call.queueId === null ? undefined : this.directory.queue(call.queueId);
      if (!callbackExpired(queue, call, nowMs)) continue;
      const change = new CallChange(call, new Date(nowMs).toISOString());
      change.transition('unanswered');
      try {
        await this.ledger.record(change);
      } catch (error) {
        if (!(error instanceof StaleCallError)) throw error; // taken or withdrawn meanwhile
      }
    }
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { CallChange } from '../calls/call-change.js';
import { CallCreation } from '../calls/call-creation.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import { isCancellable } from '../calls/call-lifecycle.js';
import type { CallRecord } from '../calls/call.model.js';
import { buildCallRecord, newCallState } from '../calls/call-request.js';
import { CallRepository, StaleCallError } from '../calls/call.repository.js';
import type { CreateCallDto } from '../calls/dto/create-call.dto.js';
import type { WriteAlongside } from '../calls/call.repository.js';

/**
 * The calls of booked sessions, made and ended through the calls layer: a session's call is an
 * ordinary call with `plannedFor` set, so creation, following, the lifecycle and the glasses'
 * invite are the calls layer's as for any call (docs/api.md, "Booked sessions").
 */
@Injectable()
export class AppointmentCalls {
  constructor(
    private readonly directory: DirectoryService,
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly creation: CallCreation,
    private readonly clock: Clock,
  ) {}

  /** A new call for the session, as POST /v1/calls would make it for this expert (not written). */
  newCall(caller: Person, request: CreateCallDto, startsAtMs: number): CallRecord {
    const call = buildCallRecord(this.directory, caller, request, this.clock.isoNow());
    return { ...call, plannedFor: new Date(startsAtMs).toISOString() };
  }

  /** The call of a moved session: the old call's people and context, a new start, nothing else. */
  movedCall(old: CallRecord, startsAtMs: number): CallRecord {
    return {
      ...old,
      ...newCallState(this.clock.isoNow()),
      id: randomUUID(),
      plannedFor: new Date(startsAtMs).toISOString(),
    };
  }

  /** Inserts the call (`creating`) with the booking's own writes in the same transaction. */
  async insert(call: CallRecord, alongside: WriteAlongside): Promise<void> {
    await this.ledger.insert(call, null, alongside);
  }

  /** Creates it on xAssist: `planned`; throws CallCreationFailedError (the call failed). */
  create(call: CallRecord): Promise<CallRecord> {
    return this.creation.create(call);
  }

  async find(callId: string): Promise<CallRecord> {
    const call = await this.calls.find(callId);
    if (!call) throw new NotFoundError(`call ${callId} not found`);
    return call;
  }

  /**
   * Cancels the call with a reason, if it can still be cancelled. xAssist documents no cancel: its
   * call is left to ring out unanswered, as for a cancelled call (docs/api.md).
   */
  async cancel(callId: string, reason: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const call = await this.find(callId);
      if (!isCancellable(call.status)) return;
      const change = new CallChange(call, this.clock.isoNow());
      change.transition('cancelled', { failureReason: reason });
      try {
        await this.ledger.record(change);
        return;
      } catch (error) {
        if (!(error instanceof StaleCallError)) throw error;
      }
    }
    throw new ConflictError(`call ${callId} keeps changing; try again`);
  }
}

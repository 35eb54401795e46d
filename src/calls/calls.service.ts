import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  BadRequestError,
  ConflictError,
} from '../common/broker-error.js';
import { isCallId } from '../common/text-rules.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import { xassistContactOf, type Person, type Role } from '../directory/person.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { XAssistClient } from '../xassist/xassist-client.port.js';
import { XAssistRejectedError } from '../xassist/xassist.errors.js';
import type { CreateCallRequest } from '../xassist-contract/xassist-contract.js';
import { canSeeCall, seesEveryCall } from './call-access.js';
import { CallChange } from './call-change.js';
import { ACTIVE_STATUSES, END_STATUSES, isCancellable } from './call-lifecycle.js';
import { CallLedger } from './call-ledger.service.js';
import type { CallEventRecord, CallRecord, Participant } from './call.model.js';
import { applyCallLog } from './call-progress.js';
import { CallRepository, StaleCallError } from './call.repository.js';
import { CallTracker } from './call-tracker.service.js';
import { CallCreationFailedError, FAILURE_REASON } from './call.errors.js';
import type { CreateCallDto } from './dto/create-call.dto.js';

const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export interface CallPage {
  calls: CallRecord[];
  nextCursor: string | null;
}

/** Creating, reading and cancelling calls, with the contract's role and visibility rules. */
@Injectable()
export class CallsService {
  /** Creations under way in this process, so that a concurrent duplicate can wait for the first. */
  private readonly creating = new Map<string, Promise<CallRecord>>();

  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly tracker: CallTracker,
    private readonly directory: DirectoryService,
    private readonly xassist: XAssistClient,
    private readonly metrics: MetricsService,
  ) {}

  /** Returns the ringing call; throws CallCreationFailedError (kept as failed) when xAssist refuses or is away. */
  async create(
    caller: Person,
    dto: CreateCallDto,
    idempotencyKey?: string,
  ): Promise<{ call: CallRecord; replayed: boolean }> {
    const call = this.newCall(caller, dto);
    const claim = idempotencyKey
      ? {
          callerId: caller.id,
          key: idempotencyKey,
          bodyHash: hashBody(dto),
          notBefore: new Date(Date.now() - IDEMPOTENCY_WINDOW_MS).toISOString(),
        }
      : null;
    const outcome = await this.calls.insert(call, claim);
    if (outcome.kind === 'existing') {
      if (outcome.bodyHash !== claim?.bodyHash) {
        throw new UnprocessableError('this Idempotency-Key was already used with a different body');
      }
      const earlier = await this.settled(outcome.callId);
      if (earlier.status === 'failed') throw new CallCreationFailedError(earlier);
      return { call: earlier, replayed: true };
    }
    const creation = this.createOnXAssist(call);
    this.creating.set(call.id, creation);
    try {
      return { call: await creation, replayed: false };
    } finally {
      this.creating.delete(call.id);
    }
  }

  async get(caller: Person, id: string): Promise<CallRecord> {
    const call = await this.calls.find(id);
    if (!call || !canSeeCall(caller, call)) throw new NotFoundError(`call ${id} not found`);
    return call;
  }

  async list(
    caller: Person,
    status: 'active' | 'ended' | 'all',
    limit: number,
    cursor?: string,
  ): Promise<CallPage> {
    const calls = await this.calls.list({
      statuses: status === 'all' ? null : status === 'active' ? ACTIVE_STATUSES : END_STATUSES,
      participantId: seesEveryCall(caller) ? null : caller.id,
      limit,
      before: cursor ? decodeCursor(cursor) : null,
    });
    const last = calls.at(-1);
    return { calls, nextCursor: calls.length === limit && last ? encodeCursor(last) : null };
  }

  /** Every active call the person may see, newest first (the socket snapshot: all, not a page). */
  async activeFor(person: Person): Promise<CallRecord[]> {
    return this.calls.list({
      statuses: ACTIVE_STATUSES,
      participantId: seesEveryCall(person) ? null : person.id,
      limit: null,
      before: null,
    });
  }

  /** The call and its events after `afterSeq`, in seq order; one visibility check for both. */
  async withEvents(
    caller: Person,
    id: string,
    afterSeq: number,
  ): Promise<{ call: CallRecord; events: CallEventRecord[] }> {
    const call = await this.get(caller, id);
    return { call, events: await this.calls.events(id, afterSeq, 10_000) };
  }

  /** Stops a call that is not yet connected. xAssist has no cancel endpoint: we stop following it. */
  async cancel(caller: Person, id: string): Promise<CallRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const call = await this.get(caller, id);
      if (!isCancellable(call.status))
        throw new ConflictError(`call ${id} is ${call.status} and can no longer be cancelled`);
      const change = new CallChange(call, new Date().toISOString());
      change.transition('cancelled');
      try {
        await this.ledger.record(change);
      } catch (error) {
        if (error instanceof StaleCallError) continue;
        throw error;
      }
      this.tracker.unfollow(id);
      return change.call;
    }
    throw new ConflictError(`call ${id} keeps changing; try again`);
  }

  private newCall(caller: Person, dto: CreateCallDto): CallRecord {
    const technicianId =
      dto.technicianId ?? (hasRole(caller, 'technician') ? caller.id : undefined);
    if (!technicianId)
      throw new BadRequestError('technicianId is required unless a technician asks for themselves');
    if (hasRole(caller, 'technician') && !seesEveryCall(caller) && technicianId !== caller.id) {
      throw new ForbiddenError('a technician may only ask for a call for themselves');
    }
    const technician = this.participant(technicianId, 'technician', 'technicianId');
    const experts = dto.expertIds.map((id) => this.participant(id, 'expert', 'expertIds'));
    if (experts.some((expert) => expert.id === technician.id)) {
      throw new UnprocessableError('the technician cannot also be one of the experts');
    }
    const callType = dto.callType ?? (experts.length === 1 ? 'MESH' : 'SFU');
    if (callType === 'MESH' && experts.length > 1) {
      throw new UnprocessableError('callType MESH is a 1:1 call; use SFU for more than one expert');
    }
    const now = new Date().toISOString();
    return {
      id: randomUUID(),
      xassistCallId: null,
      status: 'creating',
      title: dto.title.trim() || dto.title,
      reason: dto.reason ?? 'STANDARD',
      callType,
      technician,
      experts,
      joinedExpertId: null,
      failureReason: null,
      seq: 0,
      createdBy: caller.id,
      anonymousJoinAllowed: dto.anonymousJoinAllowed ?? false,
      createdAt: now,
      ringingAt: null,
      expertJoinedAt: null,
      connectedAt: null,
      endedAt: null,
      updatedAt: now,
    };
  }

  private participant(id: string, role: Role, field: string): Participant {
    const person = this.directory.find(id);
    if (!person) throw new UnprocessableError(`${field}: "${id}" is not in the directory`);
    if (!hasRole(person, role) || !person.xassist) {
      throw new UnprocessableError(`${field}: "${id}" is not a ${role}`);
    }
    return {
      id: person.id,
      displayName: person.displayName,
      xassistUserId: person.xassist.userId,
      xassistUserDbId: person.xassist.userDbId,
    };
  }

  private async createOnXAssist(call: CallRecord): Promise<CallRecord> {
    try {
      const connector = await this.xassist.connectorContact();
      const log = await this.xassist.createCall(this.createCallBody(call, connector));
      const change = new CallChange(call, new Date().toISOString());
      change.transition('ringing', { xassistCallId: log.callId });
      applyCallLog(change, log, new Set());
      await this.ledger.record(change);
      this.tracker.follow(change.call);
      this.metrics.callsCreated.inc({ outcome: 'ringing' });
      return change.call;
    } catch (error) {
      // xAssist's own words stay in this log line; the call and its answer say it plainly.
      const reason =
        error instanceof XAssistRejectedError
          ? FAILURE_REASON.rejected
          : FAILURE_REASON.unavailable;
      this.logger.warn({ callId: call.id, err: error }, 'creating the call on xAssist failed');
      const change = new CallChange(call, new Date().toISOString());
      change.transition('failed', { failureReason: reason });
      await this.ledger.record(change);
      this.metrics.callsCreated.inc({ outcome: 'failed' });
      throw new CallCreationFailedError(change.call);
    }
  }

  /** The body as xAssist's broker pattern wants it: created for the technician, expert and connector invited. */
  private createCallBody(
    call: CallRecord,
    connector: CreateCallRequest['invitedContacts'][number],
  ): CreateCallRequest {
    const contact = (participant: Participant) => {
      const person = this.directory.find(participant.id);
      const known = person && xassistContactOf(person);
      // The directory may have changed since the call was asked for; the call keeps its snapshot.
      return {
        ...(known ?? { domain: '', email: '', phoneNumber: '' }),
        displayName: participant.displayName,
        userDbId: participant.xassistUserDbId,
        userId: participant.xassistUserId,
      };
    };
    return {
      callTitle: call.title,
      callReason: call.reason,
      callType: call.callType,
      invitedContacts: [...call.experts.map(contact), connector],
      invitedTeams: [],
      joinAnonymousAllowed: call.anonymousJoinAllowed,
      informOthersDirectly: true,
      creatorUser: call.technician.xassistUserDbId,
      plannedDateTime: null,
    };
  }

  /** The outcome of a creation started by an earlier request with the same key. */
  private async settled(callId: string): Promise<CallRecord> {
    const local = this.creating.get(callId);
    if (local) return local.catch(() => this.calls.find(callId).then((call) => call!));
    for (let waited = 0; ; waited += 100) {
      const call = await this.calls.find(callId);
      if (!call) throw new NotFoundError(`call ${callId} not found`);
      if (call.status !== 'creating' || waited >= 30_000) return call;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Key order does not make two bodies different. */
function hashBody(dto: CreateCallDto): string {
  const canonical = JSON.stringify(dto, Object.keys(dto).sort());
  return createHash('sha256').update(canonical).digest('hex');
}

function encodeCursor(call: CallRecord): string {
  return Buffer.from(JSON.stringify([call.createdAt, call.id])).toString('base64url');
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Decoded text goes into a query: only what encodeCursor can have made (no NUL for PostgreSQL).
    if (typeof createdAt === 'string' && ISO_INSTANT.test(createdAt) && isCallId(id))
      return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('cursor is not one this server handed out');
}

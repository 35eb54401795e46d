import { randomBytes, randomUUID } from 'node:crypto';
import {
  CALL_REASONS,
  CALL_TYPES,
  type CallEvent,
  type CallLog,
  type CallLogContact,
  type CreateCallRequest,
} from '../xassist-contract/xassist-contract.js';

/** What a faithful xAssist would answer a malformed createCall with. */
export class SimulatorValidationError extends Error {}

/** An event as the other side adds it: any type, any extra fields; the id is assigned. */
export type NewCallEvent = { type: string; contact?: Partial<CallLogContact> | null } & Record<
  string,
  unknown
>;

/** Event fields beyond what a broker can be expected to store: a 128+ type, a 64+ id, a NUL. */
export const OVERSIZED_EVENT_KINDS = ['long-type', 'long-id', 'nul-type'] as const;
export type OversizedEventKind = (typeof OVERSIZED_EVENT_KINDS)[number];
/** Longer than the 128 characters of a type and the 64 of an id. */
const OVERSIZED_LENGTH = 300;
const MAX_BURST = 100_000;

/** A person the simulated domain knows; xAssist's `id` defaults to `userDbId`. */
export type SimulatorUser = CallLogContact;

/** The calls, tokens and people of one simulated xAssist domain. No HTTP here. */
export class SimulatorState {
  private readonly calls = new Map<string, CallLog>();
  private readonly present = new Map<string, Set<string>>();
  private readonly tokens = new Map<string, number>();
  private nextCallDbId = 800;
  private nextEventId = 600;
  readonly createCallBodies: unknown[] = [];
  /** Every token ever issued, so that tests can look for them where they must not be. */
  readonly issuedTokens: string[] = [];

  constructor(
    private readonly users: SimulatorUser[],
    private readonly tokenTtlMs: number,
  ) {}

  issueToken(now = Date.now()): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, now + this.tokenTtlMs);
    this.issuedTokens.push(token);
    return token;
  }

  isTokenValid(token: string, now = Date.now()): boolean {
    const until = this.tokens.get(token);
    return until !== undefined && until > now;
  }

  expireTokens(): number {
    const count = this.tokens.size;
    this.tokens.clear();
    return count;
  }

  createCall(body: unknown): CallLog {
    const request = validateCreateCall(body);
    this.createCallBodies.push(body);
    const creator = this.contactByDbId(request.creatorUser);
    const log: CallLog = {
      id: this.nextCallDbId++,
      callId: randomUUID(),
      anonymousJoinAllow: request.joinAnonymousAllowed,
      callStatus: 'Planned',
      callType: request.callType,
      callReason: request.callReason,
      title: request.callTitle,
      // Kept as sent; the call reads Planned until someone joins, as xAssist's does.
      plannedDateTime: request.plannedDateTime ?? null,
      callStart: null,
      callEnd: null,
      creatorContact: creator,
      invitedContacts: request.invitedContacts.map((contact) => ({ ...contact })),
      callEvents: [],
    };
    this.calls.set(log.callId, log);
    this.present.set(log.callId, new Set());
    this.addEvent(log.callId, { type: 'Created', contact: creator });
    return log;
  }

  getCall(callId: string): CallLog | undefined {
    return this.calls.get(callId);
  }

  listCalls(): CallLog[] {
    return [...this.calls.values()];
  }

  /**
   * Appends an event of any type, as the xAssist side would. An `id` in `event` is kept as
   * given (any JSON value, to play an xAssist that sends odd ids); otherwise one is assigned.
   */
  addEvent(callId: string, event: NewCallEvent): CallEvent {
    const log = this.requireCall(callId);
    const stored: CallEvent = {
      ...event,
      type: event.type,
      id: (event.id as number | undefined) ?? this.nextEventId++,
      time: (event.time as string | undefined) ?? new Date().toISOString(),
    };
    log.callEvents.push(stored);
    return stored;
  }

  /** `count` events appended at once, so that one poll brings them all. */
  addBurst(callId: string, count: number, type = 'Burst'): CallEvent[] {
    if (!Number.isInteger(count) || count < 1 || count > MAX_BURST)
      throw new SimulatorValidationError(`count must be a whole number from 1 to ${MAX_BURST}`);
    return Array.from({ length: count }, (_, index) =>
      this.addEvent(callId, { type, comment: `burst ${index + 1} of ${count}` }),
    );
  }

  /** An event with a field larger or stranger than a sane xAssist would send. */
  addOversizedEvent(callId: string, kind: OversizedEventKind): CallEvent {
    switch (kind) {
      case 'long-type':
        return this.addEvent(callId, { type: `Long${'T'.repeat(OVERSIZED_LENGTH)}` });
      case 'long-id':
        return this.addEvent(callId, { type: 'Chat', id: 'i'.repeat(OVERSIZED_LENGTH) });
      case 'nul-type':
        return this.addEvent(callId, { type: 'Nul\u0000Type' });
      default:
        throw new SimulatorValidationError(
          `kind must be one of ${OVERSIZED_EVENT_KINDS.join(', ')}`,
        );
    }
  }

  /** xAssist no longer knows the call: getCallLogById answers 404 from now on. */
  forget(callId: string): void {
    this.requireCall(callId);
    this.calls.delete(callId);
    this.present.delete(callId);
  }

  join(callId: string, userId: string): CallEvent {
    const log = this.requireCall(callId);
    if (log.callStatus === 'Ended') throw new SimulatorValidationError(`call ${callId} has ended`);
    const contact = this.participant(log, userId);
    this.present.get(callId)!.add(userId);
    if (log.callStatus === 'Planned') {
      log.callStatus = 'Started';
      log.callStart = new Date().toISOString();
    }
    return this.addEvent(callId, { type: 'Join', contact });
  }

  /** The last one to leave ends the call, as xAssist does. */
  leave(callId: string, userId: string): CallEvent {
    const log = this.requireCall(callId);
    const contact = this.participant(log, userId);
    const present = this.present.get(callId)!;
    present.delete(userId);
    const event = this.addEvent(callId, { type: 'Leave', contact });
    if (present.size === 0 && log.callStatus === 'Started') this.end(callId);
    return event;
  }

  end(callId: string): CallLog {
    const log = this.requireCall(callId);
    log.callStatus = 'Ended';
    log.callEnd = new Date().toISOString();
    this.present.get(callId)!.clear();
    return log;
  }

  private requireCall(callId: string): CallLog {
    const log = this.calls.get(callId);
    if (!log) throw new SimulatorValidationError(`no call ${callId}`);
    return log;
  }

  private participant(log: CallLog, userId: string): Partial<CallLogContact> {
    const people = [log.creatorContact, ...(log.invitedContacts ?? [])];
    const contact = people.find((person) => person?.userId === userId);
    if (!contact)
      throw new SimulatorValidationError(`${userId} is not invited to call ${log.callId}`);
    return contact;
  }

  private contactByDbId(userDbId: number): CallLogContact {
    const known = this.users.find((user) => user.userDbId === userDbId);
    if (known) return { ...known };
    return {
      id: userDbId,
      userDbId,
      userId: `user${userDbId}`,
      displayName: `User ${userDbId}`,
      domain: '',
      email: '',
      phoneNumber: '',
    };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a createCall body field by field, as xAssist's own validation would. */
export function validateCreateCall(body: unknown): CreateCallRequest {
  if (!isObject(body)) throw new SimulatorValidationError('request body must be a JSON object');
  const fail = (message: string): never => {
    throw new SimulatorValidationError(message);
  };
  if (typeof body.callTitle !== 'string' || body.callTitle.trim() === '')
    fail('callTitle must be a non-empty string');
  if (!CALL_REASONS.includes(body.callReason as never))
    fail(`callReason must be one of ${CALL_REASONS.join(', ')}`);
  if (!CALL_TYPES.includes(body.callType as never))
    fail(`callType must be one of ${CALL_TYPES.join(', ')}`);
  if (!Number.isInteger(body.creatorUser)) fail('creatorUser must be a user database id');
  if (typeof body.joinAnonymousAllowed !== 'boolean')
    fail('joinAnonymousAllowed must be a boolean');
  if (typeof body.informOthersDirectly !== 'boolean')
    fail('informOthersDirectly must be a boolean');
  if (!Array.isArray(body.invitedTeams)) fail('invitedTeams must be an array');
  if (
    body.plannedDateTime !== undefined &&
    body.plannedDateTime !== null &&
    (typeof body.plannedDateTime !== 'string' || Number.isNaN(Date.parse(body.plannedDateTime)))
  )
    fail('plannedDateTime must be null or an ISO-8601 date-time');
  if (!Array.isArray(body.invitedContacts) || body.invitedContacts.length === 0) {
    fail('invitedContacts must be a non-empty array');
  }
  for (const [index, contact] of (body.invitedContacts as unknown[]).entries()) {
    if (
      !isObject(contact) ||
      !Number.isInteger(contact.userDbId) ||
      typeof contact.userId !== 'string'
    ) {
      fail(`invitedContacts[${index}] must carry a userDbId and a userId`);
    }
  }
  return body as unknown as CreateCallRequest;
}

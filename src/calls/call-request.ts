import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError, UnprocessableError } from '../common/broker-error.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import type { Person, Role } from '../directory/person.js';
import { seesEveryCall } from './call-access.js';
import type { Queue } from '../directory/queue.js';
import type { CallRecord, Participant } from './call.model.js';
import type { CreateCallDto } from './dto/create-call.dto.js';

/**
 * Turns a caller's request into the new call's record (status `creating`), applying the
 * contract's role rules. Nothing is written and xAssist is not asked here.
 */
export function buildCallRecord(
  directory: DirectoryService,
  caller: Person,
  dto: CreateCallDto,
  now: string,
): CallRecord {
  const technician = requestedTechnician(directory, caller, dto);
  const route = requestedRoute(directory, dto);
  const experts = route.kind === 'experts' ? route.experts : [];
  if (experts.some((expert) => expert.id === technician.id)) {
    throw new UnprocessableError('the technician cannot also be one of the experts');
  }
  // A routed call is answered by the one expert who accepts: a 1:1 call unless asked otherwise.
  const callType = dto.callType ?? (experts.length > 1 ? 'SFU' : 'MESH');
  if (callType === 'MESH' && experts.length > 1) {
    throw new UnprocessableError('callType MESH is a 1:1 call; use SFU for more than one expert');
  }
  return {
    id: randomUUID(),
    title: dto.title.trim() || dto.title,
    reason: dto.reason ?? 'STANDARD',
    callType,
    technician,
    experts,
    createdBy: caller.id,
    anonymousJoinAllowed: dto.anonymousJoinAllowed ?? false,
    description: dto.description?.trim() || null,
    externalRef: dto.externalRef ?? null,
    metadata: { ...dto.metadata },
    queueId: route.kind === 'queue' ? route.queue.id : null,
    priority: dto.priority ?? 'normal',
    ...newCallState(now),
  };
}

/**
 * What every new call starts with, whoever makes it (a request, a booked session's move): no
 * xAssist call yet, `creating`, nothing that happened to a call.
 */
export function newCallState(now: string) {
  return {
    xassistCallId: null,
    status: 'creating',
    joinedExpertId: null,
    failureReason: null,
    seq: 0,
    queuedAt: null,
    nextOpensAt: null,
    acceptedById: null,
    escalationsDone: [],
    fallbackMeeting: null,
    wrapUp: null,
    rating: null,
    plannedFor: null,
    createdAt: now,
    ringingAt: null,
    expertJoinedAt: null,
    connectedAt: null,
    endedAt: null,
    updatedAt: now,
  } satisfies Partial<CallRecord>;
}

type Route = { kind: 'experts'; experts: Participant[] } | { kind: 'queue'; queue: Queue };

/** Who is asked to answer: the experts named, or a queue that finds one (exactly one of the two). */
function requestedRoute(directory: DirectoryService, dto: CreateCallDto): Route {
  if (dto.expertIds !== undefined && dto.queueId !== undefined)
    throw new UnprocessableError('give either expertIds or queueId, not both');
  if (dto.queueId !== undefined) {
    const queue = directory.queue(dto.queueId);
    if (!queue) throw new UnprocessableError(`queueId: "${dto.queueId}" is not a queue`);
    return { kind: 'queue', queue };
  }
  if (dto.expertIds === undefined)
    throw new UnprocessableError('give expertIds (the experts to ring) or queueId (a queue)');
  if (dto.priority !== undefined)
    throw new UnprocessableError('priority orders a queue; it goes with queueId, not expertIds');
  return {
    kind: 'experts',
    experts: dto.expertIds.map((id) => participantOf(directory, id, 'expert', 'expertIds')),
  };
}

/** The technician the call is for: named, or the caller when a technician asks for themselves. */
function requestedTechnician(
  directory: DirectoryService,
  caller: Person,
  dto: CreateCallDto,
): Participant {
  const technicianId = dto.technicianId ?? (hasRole(caller, 'technician') ? caller.id : undefined);
  if (!technicianId)
    throw new BadRequestError('technicianId is required unless a technician asks for themselves');
  if (hasRole(caller, 'technician') && !seesEveryCall(caller) && technicianId !== caller.id) {
    throw new ForbiddenError('a technician may only ask for a call for themselves');
  }
  return participantOf(directory, technicianId, 'technician', 'technicianId');
}

export function participantOf(
  directory: DirectoryService,
  id: string,
  role: Role,
  field: string,
): Participant {
  const person = directory.find(id);
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

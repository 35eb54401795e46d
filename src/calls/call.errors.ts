import { BrokerError } from '../common/broker-error.js';
import { ROUTING_ERROR_CODE, XASSIST_ERROR_CODE } from '../common/error-answer.js';
import type { Queue } from '../directory/queue.js';
import { toCallView, type CallRecord } from './call.model.js';

/**
 * A failed call's failureReason, as clients see it: plain and stable. What xAssist said (its
 * text, status, the connector's account) goes to the log only, never into the call.
 */
export const FAILURE_REASON = {
  rejected: 'xAssist refused the call',
  credentialsRefused:
    "xAssist refused the broker's own credentials; an operator must fix the xAssist account",
  unavailable: 'xAssist could not be reached',
  interrupted: 'the broker stopped while creating the call; xAssist may hold it',
  vanished: 'xAssist no longer knows the call',
  notCreated:
    'the broker stopped while creating the call and xAssist holds no such call: it was not created',
  ambiguous:
    'the broker stopped while creating the call and xAssist holds several calls that could be it: none was adopted',
  notAdmitted:
    'the broker stopped while admitting the request to its queue and routes no queues now: it was not queued',
} as const;

/**
 * xAssist refused (502) or could not be reached (503): the call is kept as failed, or, for a
 * routed call an expert accepted, back in its queue (`reason` then says what went wrong).
 */
export class CallCreationFailedError extends BrokerError {
  override name = 'CallCreationFailedError';
  readonly httpStatus: number;
  override readonly code: string;

  /**
   * Takes the record but keeps only its view (as `details.call`): an error is logged whole, and
   * the record holds what clients never see (xAssist identities, a fallback meeting's password).
   */
  constructor(call: CallRecord, reason: string | null = call.failureReason) {
    const credentials = reason === FAILURE_REASON.credentialsRefused;
    const rejected = reason?.startsWith(FAILURE_REASON.rejected) ?? false;
    const message = credentials
      ? FAILURE_REASON.credentialsRefused
      : rejected
        ? FAILURE_REASON.rejected
        : call.fallbackMeeting
          ? `${FAILURE_REASON.unavailable}; a web meeting was offered instead (call.fallback)`
          : `${FAILURE_REASON.unavailable}; try again later`;
    super(
      call.status === 'queued'
        ? `${message}; the request stays queued and is offered again`
        : message,
    );
    this.httpStatus = credentials || rejected ? 502 : 503;
    this.code = credentials
      ? XASSIST_ERROR_CODE.credentialsRefused
      : rejected
        ? XASSIST_ERROR_CODE.rejected
        : XASSIST_ERROR_CODE.unavailable;
    this.details.call = toCallView(call);
  }
}

/** `maxQueued` requests already wait in the queue: 503, so the caller can try another way. */
export class QueueFullError extends BrokerError {
  override name = 'QueueFullError';
  readonly httpStatus = 503;
  override readonly code = ROUTING_ERROR_CODE.queueFull;

  constructor(queue: Pick<Queue, 'id' | 'maxQueued'>) {
    super(
      `queue ${queue.id} is full (${queue.maxQueued} requests waiting); try again later or name the experts`,
    );
  }
}

/**
 * `maxQueuedPerTechnician` of the technician's requests already wait in the queue: 429, theirs to
 * resolve (wait, or cancel one), so one technician cannot fill a queue for everyone.
 */
export class QueueShareFullError extends BrokerError {
  override name = 'QueueShareFullError';
  readonly httpStatus = 429;
  override readonly code = ROUTING_ERROR_CODE.queueShareFull;

  constructor(queue: Pick<Queue, 'id' | 'maxQueuedPerTechnician'>, technicianId: string) {
    super(
      `technician ${technicianId} already has ${queue.maxQueuedPerTechnician} requests waiting in queue ${queue.id}, their share; wait for one to be taken or cancel one`,
    );
  }
}

/** `priority: urgent` from a caller none of whose roles the queue's `urgentRoles` names: 403. */
export class UrgentNotAllowedError extends BrokerError {
  override name = 'UrgentNotAllowedError';
  readonly httpStatus = 403;
  override readonly code = ROUTING_ERROR_CODE.urgentNotAllowed;

  constructor(queue: Pick<Queue, 'id' | 'urgentRoles'>) {
    const who = queue.urgentRoles.length === 0 ? 'nobody' : queue.urgentRoles.join(' or ');
    super(`queue ${queue.id} takes urgent requests only from ${who}; ask without priority`);
  }
}

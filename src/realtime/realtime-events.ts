/**
 * The socket.io contract (default namespace), importable by clients:
 * `import type { ServerToClientEvents, ClientToServerEvents } from '.../realtime-events.js'`.
 * Described for people in docs/realtime.md.
 */
import type { PersonRef } from '../directory/person.js';
import type { CallEventView, CallView } from '../calls/call.model.js';
import type { ErrorAnswer } from '../common/error-answer.js';
import type { CallInvite } from '../calls/call-invite.js';
import type { FallbackMeeting } from '../calls/fallback-meetings.js';
import type {
  OfferCreated,
  OfferEnded,
  PresenceUpdated,
  QueueEscalated,
} from '../routing/routing-facts.js';
import type { OfferWithCall } from '../routing/routed-calls.service.js';
import type { OwnPresenceView, SettablePresence } from '../routing/routing.model.js';

export type { CallEventView, CallView, PersonRef };

export interface CallsSnapshotPayload {
  /** The newest active calls the person may see, at most SOCKET_SNAPSHOT_MAX_CALLS of them. */
  calls: CallView[];
  /** More active calls: `GET /v1/calls?status=active&cursor=<nextCursor>`; null when that was all. */
  nextCursor: string | null;
}

/** Sent just before the broker disconnects a socket whose token reached its `exp`. */
export interface SessionExpiredPayload {
  message: string;
}

export interface CallUpdatedPayload {
  call: CallView;
  /**
   * The batch's events, in seq order; batches of one call arrive in seq order without gaps.
   * Empty when only a queued call's position or wait estimate changed.
   */
  events: CallEventView[];
}

/**
 * No available expert can take a queued call now: `call.queue.nobodyCanTake` is true, its
 * `estimatedWaitSeconds` null and its `statusLine` says what happens next (docs/routing.md).
 */
export interface CallNobodyCanTakePayload {
  call: CallView;
}

/** Routing (docs/routing.md): offers to experts, presence and escalations to supervisors. */
export type OfferCreatedPayload = OfferCreated;
export type OfferEndedPayload = OfferEnded;
export type PresenceUpdatedPayload = PresenceUpdated;
export type QueueEscalatedPayload = QueueEscalated;

export interface OfferAnswerPayload {
  offerId: string;
}
export type OfferAnswerAck = OfferWithCall | SocketErrorAnswer;

export interface PresenceSetPayload {
  status: SettablePresence;
}
export type PresenceSetAck = { presence: OwnPresenceView } | SocketErrorAnswer;

/** The expert who joined, the xAssist call id and, when configured, the URL that joins it. */
export type CallInvitePayload = CallInvite;

/** xAssist was unreachable: the technician may meet the experts in this web meeting instead. */
export interface CallFallbackPayload {
  call: CallView;
  meeting: FallbackMeeting;
}

/**
 * Between instances (socket.io server-side emits, through Redis): which call's fallback meeting
 * was offered, never the meeting itself (its password stays off Redis; realtime/fallback-notices.ts).
 */
export interface FallbackOfferedNotice {
  callId: string;
  technicianId: string;
}
export interface InterServerEvents {
  'call.fallback_offered': (notice: FallbackOfferedNotice) => void;
}

export interface CallSubscribePayload {
  callId: string;
  afterSeq: number;
}

export interface SocketErrorAnswer {
  /** The REST error body's status, stable code and message (`retryAfterSeconds` with a 429). */
  error: { statusCode: number; code: string; message: string; retryAfterSeconds?: number };
}

/** A REST error answer as a socket acknowledgement carries it. */
export function socketErrorAnswer({ body }: ErrorAnswer): SocketErrorAnswer {
  const { statusCode, code, message, retryAfterSeconds } = body;
  return {
    error: {
      statusCode,
      code,
      message,
      ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}),
    },
  };
}

export type CallSubscribeAck = { call: CallView; events: CallEventView[] } | SocketErrorAnswer;

export interface ServerToClientEvents {
  /**
   * Sent with an acknowledgement, which socket.io never keeps for connection state recovery;
   * a client may ignore the acknowledgement function.
   */
  'calls.snapshot': (payload: CallsSnapshotPayload, received: () => void) => void;
  'session.expired': (payload: SessionExpiredPayload) => void;
  'call.updated': (payload: CallUpdatedPayload) => void;
  'call.invite': (payload: CallInvitePayload) => void;
  /** To the technician only when xAssist was unreachable; again on connect until it expires. */
  'call.fallback': (payload: CallFallbackPayload) => void;
  /** To the call's technician (and those who see every call): nobody can take it now. */
  'call.nobody_can_take': (payload: CallNobodyCanTakePayload) => void;
  /** To the offered expert; again on every connect while it is pending. */
  'offer.created': (payload: OfferCreatedPayload) => void;
  'offer.ended': (payload: OfferEndedPayload) => void;
  /** To supervisors and to the expert concerned. */
  'presence.updated': (payload: PresenceUpdatedPayload) => void;
  /** To supervisors. */
  'queue.escalated': (payload: QueueEscalatedPayload) => void;
}

export interface ClientToServerEvents {
  'call.subscribe': (
    payload: CallSubscribePayload,
    ack: (answer: CallSubscribeAck) => void,
  ) => void;
  'offer.accept': (payload: OfferAnswerPayload, ack: (answer: OfferAnswerAck) => void) => void;
  'offer.decline': (payload: OfferAnswerPayload, ack: (answer: OfferAnswerAck) => void) => void;
  'presence.set': (payload: PresenceSetPayload, ack: (answer: PresenceSetAck) => void) => void;
}

/** The handshake: `io(url, { auth: { token } })`. */
export interface HandshakeAuth {
  token: string;
}

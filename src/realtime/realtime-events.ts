/**
 * The socket.io contract (default namespace), importable by clients:
 * `import type { ServerToClientEvents, ClientToServerEvents } from '.../realtime-events.js'`.
 * Described for people in docs/realtime.md.
 */
import type { PersonRef } from '../directory/person.js';
import type { CallEventView, CallView } from '../calls/call.model.js';
import type { ErrorAnswer } from '../common/error-answer.js';
import type { CallInvite } from '../calls/call-invite.js';

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
  /** The batch's events, in seq order; batches of one call arrive in seq order without gaps. */
  events: CallEventView[];
}

/** The expert who joined, the xAssist call id and, when configured, the URL that joins it. */
export type CallInvitePayload = CallInvite;

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
}

export interface ClientToServerEvents {
  'call.subscribe': (
    payload: CallSubscribePayload,
    ack: (answer: CallSubscribeAck) => void,
  ) => void;
}

/** The handshake: `io(url, { auth: { token } })`. */
export interface HandshakeAuth {
  token: string;
}

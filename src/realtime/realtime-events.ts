/**
 * The socket.io contract (default namespace), importable by clients:
 * `import type { ServerToClientEvents, ClientToServerEvents } from '.../realtime-events.js'`.
 * Described for people in docs/realtime.md.
 */
import type { PersonRef } from '../directory/person.js';
import type { CallEventView, CallView } from '../calls/call.model.js';

export type { CallEventView, CallView, PersonRef };

export interface CallsSnapshotPayload {
  calls: CallView[];
}

export interface CallUpdatedPayload {
  call: CallView;
  /** The batch's events, in seq order; batches of one call arrive in seq order without gaps. */
  events: CallEventView[];
}

export interface CallInvitePayload {
  call: CallView;
  expert: PersonRef;
}

export interface CallSubscribePayload {
  callId: string;
  afterSeq: number;
}

export interface SocketErrorAnswer {
  error: { statusCode: number; message: string };
}

export type CallSubscribeAck = { call: CallView; events: CallEventView[] } | SocketErrorAnswer;

export interface ServerToClientEvents {
  'calls.snapshot': (payload: CallsSnapshotPayload) => void;
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

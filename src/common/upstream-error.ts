/** What a client is told about an upstream failure: never the upstream's own text. */
export interface UpstreamAnswer {
  status: 502 | 503;
  message: string;
  code: string;
}

/**
 * A system the broker depends on failed or refused (xAssist today). Each such error carries the
 * answer its clients get, so the error mapping (error-answer.ts) and the logger treat it as an
 * expected condition without knowing which system it came from.
 */
export abstract class UpstreamError extends Error {
  /** A getter, so it is no field of the error that the logger would write. */
  abstract get answer(): UpstreamAnswer;
}

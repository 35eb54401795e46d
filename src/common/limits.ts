/** The largest body a client may send: a REST request or a socket.io message. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The largest whole number the integer columns (a call's seq) hold: PostgreSQL's `integer`. */
export const MAX_STORED_INTEGER = 2 ** 31 - 1;

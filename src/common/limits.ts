/** The largest body a client may send: a REST request or a socket.io message. */
export const MAX_BODY_BYTES = 64 * 1024;

import { MAX_BODY_BYTES } from '../common/limits.js';

/**
 * The socket.io server's own options. Nest makes one server for all gateways on a path and
 * gives it the options of the gateway it happens to scan first, so a gateway's decorator is no
 * place for them: with RoutingGateway (no options) scanned first, connection state recovery,
 * the ping timings and the 64 KiB message bound were silently off. The adapter that creates the
 * server (socket-io-server.ts) applies these whichever gateway comes first.
 */
export const IO_SERVER_OPTIONS = {
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false },
  pingInterval: 10_000,
  pingTimeout: 10_000,
  maxHttpBufferSize: MAX_BODY_BYTES,
} as const;

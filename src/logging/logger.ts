import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { BrokerError } from '../common/broker-error.js';
import { UpstreamError } from '../common/upstream-error.js';

/** Paths that may hold secrets in any object we log; pino replaces them before writing. */
export const REDACTED_PATHS = [
  'password',
  'token',
  'refreshToken',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.refreshToken',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
];

/**
 * Typed errors are expected conditions (a refused request, xAssist down): the message and fields
 * say what happened, and a stack trace would only bury it. Anything else keeps its stack.
 */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error);
  if (!(error instanceof BrokerError || error instanceof UpstreamError)) return serialized;
  const { stack: _stack, ...expected } = serialized as unknown as Record<string, unknown>;
  return expected;
}

/** DI token for the root pino logger. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'expert-call-broker' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * Where the process's logs go: readable lines for a person at a terminal, JSON (one object a
 * line, for a log collector) otherwise. Pretty-printing runs in this thread and writes
 * synchronously, so a log line never lands after something printed later (the demo banner).
 */
export function logDestination(stdout: NodeJS.WriteStream = process.stdout): DestinationStream {
  if (!stdout.isTTY) return pino.destination({ dest: 1, sync: true });
  return pinoPretty({
    destination: 1,
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
}

/** Lets Nest's own messages (start-up, routes) come out as the same JSON lines. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

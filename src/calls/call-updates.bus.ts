import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../logging/logger.js';
import type { CallUpdate } from './call.model.js';

export type CallUpdateListener = (update: CallUpdate) => void;

/**
 * In-process publication of committed batches, so that the realtime layer can push them
 * without the calls module knowing about sockets. Listeners run synchronously, in commit order.
 */
@Injectable()
export class CallUpdatesBus {
  private readonly listeners = new Set<CallUpdateListener>();

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  subscribe(listener: CallUpdateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(update: CallUpdate): void {
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (error) {
        // A failing listener must neither undo a committed change nor starve the others.
        this.logger.error({ err: error, callId: update.call.id }, 'a call update listener failed');
      }
    }
  }
}

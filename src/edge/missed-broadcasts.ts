import type { Logger } from 'pino';
import { MessageType, type ClusterMessage } from 'socket.io-adapter';

/** Room emits kept while Redis is away; past this the oldest go (clients then resync by `seq`). */
export const MISSED_BROADCASTS_KEPT = 10_000;

/** What this class needs of a cluster adapter: its one way of publishing to the other instances. */
export interface PublishingAdapter {
  doPublish(message: ClusterMessage): Promise<unknown>;
}

/**
 * Room emits that could not reach the other instances because Redis was away, sent again once it
 * is back. The adapter delivers an emit to this instance's sockets whether or not publishing it
 * worked (and swallows the failure), so without this the sockets on the other instances would
 * miss every change committed here during the outage: a client notices a gap only at the next
 * change of the same call, which may never come. Sent again in their order, as soon as the
 * command connection is ready, before any new emit; a client that somehow gets one twice ignores
 * it by `seq` (call.updated) or by call id (call.invite).
 */
export class MissedBroadcasts {
  private readonly kept: Array<() => Promise<unknown>> = [];
  private dropped = 0;

  constructor(
    private readonly logger: Logger,
    private readonly limit = MISSED_BROADCASTS_KEPT,
  ) {}

  get size(): number {
    return this.kept.length;
  }

  /** Wraps the adapter's publishing: a broadcast that fails is kept for `resend`. */
  watch(adapter: PublishingAdapter): void {
    const publish = adapter.doPublish.bind(adapter);
    adapter.doPublish = (message) =>
      publish(message).catch((error: unknown) => {
        if (message.type === MessageType.BROADCAST) this.keep(() => publish(message));
        throw error;
      });
  }

  /** Redis is back: publishes what was kept, oldest first; what fails again is kept again. */
  resend(): void {
    const due = this.kept.splice(0);
    if (due.length === 0 && this.dropped === 0) return;
    this.logger.info(
      { broadcasts: due.length, dropped: this.dropped },
      'Redis is back: sending the socket events the other instances missed',
    );
    this.dropped = 0;
    for (const send of due) send().catch(() => this.keep(send));
  }

  private keep(send: () => Promise<unknown>): void {
    this.kept.push(send);
    if (this.kept.length <= this.limit) return;
    this.kept.shift();
    if (this.dropped++ === 0)
      this.logger.warn(
        { kept: this.limit },
        'Redis is away too long: the oldest missed socket events are dropped',
      );
  }
}

import { Injectable } from '@nestjs/common';

/** How many recent accepts per queue feed its wait estimate. */
const KEPT_PER_QUEUE = 20;

/**
 * Recent times to accept, per queue, for `estimatedWaitSeconds`. Kept by each instance from the
 * accepts it sees committed; an instance that just started has no history, and says null.
 */
@Injectable()
export class AcceptHistory {
  private readonly byQueue = new Map<string, number[]>();

  add(queueId: string, seconds: number): void {
    const recent = this.byQueue.get(queueId) ?? [];
    recent.push(Math.max(0, seconds));
    if (recent.length > KEPT_PER_QUEUE) recent.shift();
    this.byQueue.set(queueId, recent);
  }

  recent(queueId: string): readonly number[] {
    return this.byQueue.get(queueId) ?? [];
  }
}

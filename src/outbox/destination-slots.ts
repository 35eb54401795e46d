import type { Delivery } from './outbox.model.js';

/** A claimed row and the claim it belongs to. */
export interface Claimed {
  row: Delivery;
  token: string;
}

/**
 * This instance's claimed rows by destination: those whose attempt runs, and those waiting for
 * one of their destination's slots (a claim may bring a destination more rows than it may run).
 */
export class DestinationSlots {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Claimed[]>();

  add(claimed: Claimed): void {
    const queue = this.waiting.get(claimed.row.destinationId) ?? [];
    queue.push(claimed);
    this.waiting.set(claimed.row.destinationId, queue);
  }

  get waitingCount(): number {
    let count = 0;
    for (const queue of this.waiting.values()) count += queue.length;
    return count;
  }

  /** Destinations with at least `allowance(id)` rows running or waiting. */
  full(allowance: (destinationId: string) => number): string[] {
    const destinations = new Set([...this.running.keys(), ...this.waiting.keys()]);
    return [...destinations].filter(
      (id) => (this.running.get(id) ?? 0) + (this.waiting.get(id)?.length ?? 0) >= allowance(id),
    );
  }

  /** Waiting rows that may start now, counted as running from here on (see finished). */
  startable(destinationId: string, allowance: number): Claimed[] {
    const queue = this.waiting.get(destinationId) ?? [];
    const running = this.running.get(destinationId) ?? 0;
    const started = queue.splice(0, Math.max(0, allowance - running));
    if (started.length > 0) this.running.set(destinationId, running + started.length);
    if (queue.length === 0) this.waiting.delete(destinationId);
    return started;
  }

  /** Every waiting row of the destination (all of them without one), no longer waiting. */
  takeWaiting(destinationId?: string): Claimed[] {
    const ids = destinationId === undefined ? [...this.waiting.keys()] : [destinationId];
    const taken = ids.flatMap((id) => this.waiting.get(id) ?? []);
    for (const id of ids) this.waiting.delete(id);
    return taken;
  }

  /** One of the destination's attempts ended. */
  finished(destinationId: string): void {
    const left = (this.running.get(destinationId) ?? 1) - 1;
    if (left > 0) this.running.set(destinationId, left);
    else this.running.delete(destinationId);
  }
}

/** One destination's run of failures and, once they opened it, until when its circuit is open. */
interface Circuit {
  failures: number;
  opens: number;
  openUntil: number;
}

/** An open circuit stays open at most this many times its first period (doubling per failed trial). */
const MAX_OPEN_FACTOR = 16;

/**
 * A circuit per destination, in this instance's memory: after `failuresToOpen` failed attempts
 * in a row (no answer, refused, 5xx without Retry-After) it opens for `openMs`, during which the
 * destination gets no attempts; then one trial at a time (half-open). A failed trial opens it
 * again for twice as long (up to 16 x); any answer that is not a failure closes it.
 */
export class DestinationCircuits {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly failuresToOpen: number,
    private readonly openMs: number,
  ) {}

  /** Attempts the destination may have in flight at `now`: 0 while open, 1 half-open, else `concurrency`. */
  allowance(destinationId: string, now: number, concurrency: number): number {
    const circuit = this.circuits.get(destinationId);
    if (!circuit || circuit.opens === 0) return concurrency;
    return now < circuit.openUntil ? 0 : 1;
  }

  /** When an open circuit lets a trial through; undefined unless open at `now`. */
  openUntil(destinationId: string, now: number): number | undefined {
    const circuit = this.circuits.get(destinationId);
    return circuit && circuit.opens > 0 && now < circuit.openUntil ? circuit.openUntil : undefined;
  }

  /** Destinations whose circuit is open at `now`, at most `limit` of them (a claim leaves them out). */
  open(now: number, limit: number): string[] {
    const open: string[] = [];
    for (const [id, circuit] of this.circuits) {
      if (open.length >= limit) break;
      if (circuit.opens > 0 && now < circuit.openUntil) open.push(id);
    }
    return open;
  }

  /** The destination answered (delivered, refused for good, or asked to wait): closed. */
  succeeded(destinationId: string): void {
    this.circuits.delete(destinationId);
  }

  /**
   * A failed attempt. Resolves to when the circuit lets a trial through if this failure opened
   * it (or reopened it after a failed trial); undefined otherwise, also for a straggler that
   * fails while it is already open.
   */
  failed(destinationId: string, now: number): number | undefined {
    const circuit = this.circuits.get(destinationId) ?? { failures: 0, opens: 0, openUntil: 0 };
    this.circuits.set(destinationId, circuit);
    circuit.failures++;
    if (circuit.opens > 0 && now < circuit.openUntil) return undefined;
    if (circuit.opens === 0 && circuit.failures < this.failuresToOpen) return undefined;
    circuit.openUntil = now + this.openMs * Math.min(2 ** circuit.opens, MAX_OPEN_FACTOR);
    circuit.opens++;
    return circuit.openUntil;
  }
}

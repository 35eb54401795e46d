/** A socket's claim on one of its person's socket slots. */
export interface SocketLease {
  leaseId: string;
  personId: string;
  instanceId: string;
  expiresAt: string;
}

/**
 * Where the quota counters live: a port, so that the database adapter (shared by instances on
 * one database) can be swapped for Redis without touching the rules in QuotasService.
 * Times are ISO-8601 UTC strings.
 */
export abstract class QuotaStore {
  /** Counts one more use in the fixed window starting at `windowStart`; resolves to the count so far, this one included. */
  abstract increment(
    personId: string,
    quota: string,
    windowStart: string,
    windowEnd: string,
  ): Promise<number>;
  /**
   * Opens the lease unless the person already holds `limit` unexpired ones; false when refused.
   * Atomic per person: of parallel opens (on any instance) at most `limit` succeed.
   */
  abstract openLease(lease: SocketLease, limit: number, now: string): Promise<boolean>;
  abstract closeLease(leaseId: string): Promise<void>;
  /** Keeps an instance's leases alive; a stopped or crashed instance's leases lapse by themselves. */
  abstract renewLeases(instanceId: string, expiresAt: string): Promise<void>;
  abstract closeLeasesOf(instanceId: string): Promise<void>;
  /** Forgets windows that are over and leases that lapsed. */
  abstract sweep(now: string): Promise<void>;
}

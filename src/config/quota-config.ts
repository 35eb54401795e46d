import { type Env, integer } from './env-readers.js';

/**
 * What one person may hold or do, so that one account cannot exhaust the broker or xAssist.
 * The defaults are far above what a person working normally does; see docs/security.md.
 */
export interface QuotaConfig {
  /** Calls in creating, ringing, expert_joined or connected for one technician. */
  activeCallsPerTechnician: number;
  /** POST /v1/calls per caller per minute. */
  createsPerMinute: number;
  /** Open sockets per person, across instances sharing the database. */
  socketsPerPerson: number;
  /** Messages (call.subscribe, ...) per person per second, all their sockets together. */
  socketMessagesPerSecond: number;
  /** The most calls one calls.snapshot carries; the rest are paged over REST. */
  snapshotMaxCalls: number;
  /**
   * Booked sessions one technician may have ahead: each holds a planned call followed until its
   * start (4 polls an hour inside the xAssist budget), so bookings without a bound would let one
   * client spend the budget of the calls that ring now.
   */
  upcomingSessionsPerTechnician: number;
}

export function quotaConfig(env: Env): { quotas: QuotaConfig } {
  return {
    quotas: {
      activeCallsPerTechnician: integer(env, 'QUOTA_ACTIVE_CALLS_PER_TECHNICIAN', 10, 1, 10_000),
      createsPerMinute: integer(env, 'QUOTA_CREATES_PER_MINUTE', 60, 1, 1_000_000),
      socketsPerPerson: integer(env, 'QUOTA_SOCKETS_PER_PERSON', 20, 1, 1_000_000),
      socketMessagesPerSecond: integer(env, 'QUOTA_SOCKET_MESSAGES_PER_SECOND', 100, 1, 1_000_000),
      snapshotMaxCalls: integer(env, 'SOCKET_SNAPSHOT_MAX_CALLS', 200, 1, 10_000),
      upcomingSessionsPerTechnician: integer(
        env,
        'QUOTA_UPCOMING_SESSIONS_PER_TECHNICIAN',
        50,
        1,
        10_000,
      ),
    },
  };
}

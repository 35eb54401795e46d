import type { Clock, TimerHandle } from '../common/clock.js';
import type { PollingConfig } from '../config/app-config.js';
import type { RequestClaim } from '../xassist/xassist-client.port.js';
import type { CallStatus } from './call-lifecycle.js';
import type { CallRecord } from './call.model.js';
import { deadlineOf, type LifecycleTimeouts } from './call-progress.js';

export type PollCadence = Pick<
  PollingConfig,
  'minMs' | 'ringingMs' | 'connectedMs' | 'connectedMaxMs'
>;

/**
 * The statuses polled as ringing: first in the request budget and as often as it allows, since the
 * glasses wait on them. The call leases balance these calls apart from the others for the same
 * reason (docs/scaling.md).
 */
export const RINGING_STATUSES: readonly CallStatus[] = ['ringing'];

/**
 * A booked session's call before its start (`planned`): xAssist only keeps it, so one look every
 * 15 minutes (a vanished or ended call is noticed) is enough; 4 requests an hour per booking.
 */
export const PLANNED_POLL_MS = 15 * 60_000;

/**
 * The longest a timer is set for at once: Node fires a longer one (over 2^31 ms, about 24.8 days,
 * a booking weeks ahead) at once. A deadline further off is re-armed when this one fires.
 */
export const MAX_TIMER_MS = 24 * 60 * 60_000;

export function pollsAsRinging(status: CallStatus): boolean {
  return RINGING_STATUSES.includes(status);
}

/**
 * How soon after its previous poll started a call may be polled again: a ringing call as soon as
 * POLL_INTERVAL_MIN_MS allows (the request budget then decides how much later), the others every
 * POLL_INTERVAL_CONNECTED_MS.
 */
export function pollIntervalOf(status: CallStatus, cadence: PollCadence): number {
  if (status === 'planned') return PLANNED_POLL_MS;
  return pollsAsRinging(status) ? cadence.minMs : cadence.connectedMs;
}

/**
 * What a poll claims of the request budget: ringing calls before the others (the glasses wait on
 * them), the call polled longest ago first, overdue once its slowest cadence has passed
 * (POLL_INTERVAL_RINGING_MS while ringing, POLL_INTERVAL_CONNECTED_MAX_MS afterwards).
 */
export function pollClaimOf(
  status: CallStatus,
  lastPolledAt: number,
  cadence: PollCadence,
  firstPoll = false,
): RequestClaim {
  // A planned call is the least urgent request there is: it waits behind every other one, and
  // is never overdue (an overdue request outranks ringing calls: a backlog of planned polls would
  // then take the slots of calls that really ring).
  if (status === 'planned') return { priority: 'background', since: lastPolledAt };
  const claim: RequestClaim = pollsAsRinging(status)
    ? { priority: 'ringing', since: lastPolledAt, slowestMs: cadence.ringingMs }
    : { priority: 'connected', since: lastPolledAt, slowestMs: cadence.connectedMaxMs };
  return firstPoll ? { ...claim, firstPoll } : claim;
}

/** What the schedule of one call asks its tracker to do. */
export interface PollScheduleHooks {
  /** The call is due: start a poll (and tell the schedule with begin()). */
  pollDue(): void;
  /** A due time passed while the previous poll was still under way: nothing started. */
  pollSkipped(): void;
  /** The call's deadline (unanswered, missed) has come: commit it. */
  deadlineDue(): void;
}

/**
 * When one followed call is polled, and its deadline timer. A poll is due pollIntervalOf() after
 * the previous one STARTED (its first attempt passed the gate, whenever the budget granted it):
 * counted from the start, a slow answer does not push the next poll back, and a poll that waited
 * long in the budget is not followed by another at once. A poll that never got to an attempt (the
 * circuit was open) started nothing: the next counts from when it was asked for. Never two polls
 * at once: a due time passing while a poll is under way is skipped (counted, not queued) and the
 * call is polled again as soon as that poll ends. The deadline has its own timer, so it is
 * committed on time while a poll waits for the budget or hangs.
 */
export class PollSchedule {
  /** When its last poll started; when it was followed, before its first poll. */
  private polledAt: number;
  /** When its last poll was asked for (it may still wait for the budget). */
  private askedAt: number;
  private polling = false;
  private attemptStarted = false;
  /** No poll of this call has started since it was followed here. */
  private neverPolled = true;
  private pollTimer?: TimerHandle;
  private deadlineTimer?: TimerHandle;
  private deadline: number | null = null;
  private status: CallStatus;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly timing: { polling: PollCadence; timeouts: LifecycleTimeouts },
    /** The call as last committed: its status sets the cadence and priority, and the deadline. */
    private readonly call: () => CallRecord,
    private readonly hooks: PollScheduleHooks,
  ) {
    this.polledAt = this.askedAt = clock.now();
    this.status = call().status;
    this.armDeadline();
  }

  get pollUnderWay(): boolean {
    return this.polling;
  }

  /** A poll is asked for now; what it claims of the budget. */
  begin(): RequestClaim {
    this.clock.clearTimeout(this.pollTimer);
    this.polling = true;
    this.attemptStarted = false;
    this.askedAt = this.clock.now();
    return pollClaimOf(this.status, this.polledAt, this.timing.polling, this.neverPolled);
  }

  /** The poll's first attempt passed the gate: the poll started now. */
  started(): void {
    if (this.attemptStarted) return;
    this.attemptStarted = true;
    this.neverPolled = false;
    this.polledAt = this.clock.now();
    this.armPoll();
  }

  /** The poll ended, answered or not: the next is due one interval after it started. */
  ended(): void {
    this.polling = false;
    this.armPoll();
  }

  /** A newer version of the call: its cadence and its deadline follow its status. */
  callChanged(): void {
    const status = this.call().status;
    if (status !== this.status) {
      this.status = status;
      if (!this.polling) this.armPoll();
    }
    if (deadlineOf(this.call(), this.timing.timeouts) !== this.deadline) this.armDeadline();
  }

  /**
   * The deadline's commit is over: if the call still waits past its deadline (the database
   * refused the commit), it is tried again after POLL_INTERVAL_MIN_MS, whether or not a poll comes.
   */
  deadlineHandled(): void {
    if (this.deadline === null || this.deadline > this.clock.now()) return;
    if (this.deadline === deadlineOf(this.call(), this.timing.timeouts))
      this.armDeadlineTimer(this.clock.now() + this.timing.polling.minMs);
  }

  /** No timer fires any more. */
  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.pollTimer);
    this.clock.clearTimeout(this.deadlineTimer);
  }

  private armDeadline(): void {
    this.deadline = deadlineOf(this.call(), this.timing.timeouts);
    this.armDeadlineTimer(this.deadline);
  }

  private armDeadlineTimer(at: number | null): void {
    this.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    if (this.stopped || at === null) return;
    this.deadlineTimer = this.clock.setTimeout(
      () => {
        this.deadlineTimer = undefined;
        if (this.stopped || this.deadline === null) return;
        // A timer may fire a little before the clock reads its time: the commit would find no deadline.
        if (this.clock.now() < this.deadline) this.armDeadlineTimer(this.deadline);
        else this.hooks.deadlineDue();
      },
      Math.min(at - this.clock.now(), MAX_TIMER_MS),
    );
  }

  private armPoll(): void {
    if (this.stopped) return;
    this.clock.clearTimeout(this.pollTimer);
    const dueAt =
      Math.max(this.polledAt, this.askedAt) + pollIntervalOf(this.status, this.timing.polling);
    this.pollTimer = this.clock.setTimeout(() => this.due(dueAt), dueAt - this.clock.now());
  }

  private due(dueAt: number): void {
    this.pollTimer = undefined;
    if (this.stopped) return;
    if (!this.polling) return this.hooks.pollDue();
    this.hooks.pollSkipped();
    const nextAt = dueAt + pollIntervalOf(this.status, this.timing.polling);
    this.pollTimer = this.clock.setTimeout(() => this.due(nextAt), nextAt - this.clock.now());
  }
}

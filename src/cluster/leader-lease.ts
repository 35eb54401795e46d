import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../common/clock.js';
import { databaseIsAway } from '../common/storage-failure.js';
import type { LeaseStore } from './leader-lease.store.js';

export interface LeaderLeaseSettings {
  /** This instance, as the lease's owner. */
  owner: string;
  leaseTtlMs: number;
  /** Claims and renewals are tried this often. */
  heartbeatMs: number;
}

/**
 * The leader's lease (`leases` row `leader`): claimed when free, renewed every heartbeat. We act
 * as leader only while our last successful renewal is younger than the lease by our own
 * monotonic clock, measured from when the renewal was SENT: the database dated the lease later
 * than that, so we always stop before another instance may take it over. A renewal that finds
 * the lease taken ends the leadership at once; one that fails (the database away) is logged
 * once and tried again, and leadership lapses when the lease would have.
 */
export class LeaderLease {
  private holding = false;
  private epoch = 0;
  /** The monotonic time our last successful claim or renewal was sent. */
  private renewedAt = 0;
  private timer?: TimerHandle;
  private lapseTimer?: TimerHandle;
  private running?: Promise<void>;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly store: LeaseStore,
    private readonly settings: LeaderLeaseSettings,
    private readonly clock: Clock,
    /** Milliseconds on a clock that never jumps (performance.now; the fake clock in specs). */
    private readonly monotonicNow: () => number,
    private readonly logger: Logger,
    private readonly changed: (leader: boolean) => void,
  ) {}

  /** Tries to claim the lease now, then keeps claiming or renewing it every heartbeat. */
  async start(): Promise<void> {
    await this.attempt();
    this.schedule();
  }

  isLeader(): boolean {
    return this.holding && this.monotonicNow() - this.renewedAt < this.settings.leaseTtlMs;
  }

  /** Stops renewing and hands the lease back, so that another instance leads at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.lapseTimer);
    await this.running;
    if (!this.holding) return;
    this.holding = false;
    await this.store
      .handBack(this.settings.owner)
      .then(() => this.logger.info({ epoch: this.epoch }, 'leadership handed back'))
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error },
          'handing the leadership back failed; it lapses with the lease',
        ),
      );
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.running = this.attempt().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.settings.heartbeatMs);
  }

  private async attempt(): Promise<void> {
    const sentAt = this.monotonicNow();
    let epoch: number | undefined;
    try {
      epoch = await this.store.claim(this.settings.owner, this.settings.leaseTtlMs, this.holding);
    } catch (error) {
      this.failed(error);
      return;
    }
    if (this.failing) {
      this.failing = false;
      this.logger.info('the leader lease can be renewed again');
    }
    if (this.stopped && !this.holding && epoch !== undefined) {
      // Won while stopping: give it back below (stop() sees holding).
      this.holding = true;
      return;
    }
    if (epoch === undefined) {
      if (this.holding) this.lose('leadership lost: another instance holds the leader lease');
      return;
    }
    this.renewedAt = sentAt;
    this.armLapse();
    if (this.holding && epoch === this.epoch) return;
    this.holding = true;
    this.epoch = epoch;
    this.logger.info({ epoch }, 'this instance is the leader now');
    this.changed(true);
  }

  private failed(error: unknown): void {
    if (!this.failing) {
      this.failing = true;
      this.logger[databaseIsAway(error) ? 'debug' : 'warn'](
        { err: error, error: error instanceof Error ? error.message : String(error) },
        'claiming or renewing the leader lease failed; trying again every heartbeat',
      );
    }
    if (this.holding && !this.isLeader())
      this.lose('leadership lost: the leader lease could not be renewed within its time');
  }

  /** Ends the leadership when the lease lapses by our clock, unless a renewal came first. */
  private armLapse(): void {
    this.clock.clearTimeout(this.lapseTimer);
    const left = this.renewedAt + this.settings.leaseTtlMs - this.monotonicNow();
    this.lapseTimer = this.clock.setTimeout(() => {
      if (this.holding && !this.isLeader())
        this.lose('leadership lost: the leader lease could not be renewed within its time');
    }, left);
  }

  private lose(why: string): void {
    this.holding = false;
    this.clock.clearTimeout(this.lapseTimer);
    this.logger.warn({ epoch: this.epoch }, why);
    this.changed(false);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import { ClusterSignals } from '../cluster/cluster-signals.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { Writer } from '../events/broker-events.js';
import { OnEvent } from '../events/on-event.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import type { CallCommitted } from './call-facts.js';
import type { CallRecord } from './call.model.js';
import type { CommitFence } from './call.repository.js';
import {
  CallLeaseStore,
  LEASE_CLASSES,
  type HeldLease,
  type LeaseClass,
} from './kysely-call-lease.store.js';
import { RepeatedFailureLog } from './repeated-failure-log.js';

declare module '../cluster/cluster-signals.js' {
  interface ClusterSignalMap {
    /** A call was committed on the sending instance; its follower elsewhere reloads it. */
    'call.changed': { callId: string; seq: number };
    /**
     * The sender gave leases back (beyond its share, or all of them as it shuts down): the others
     * claim them now instead of at their next heartbeat, counting a leaving sender out.
     */
    'call-leases.released': { instanceId: string; leaving: boolean };
  }
}

/** The one follower of this instance's leases: the call tracker. */
export interface LeaseFollower {
  /** After each heartbeat: the calls this instance holds now, and those it no longer holds. */
  leasesChanged(held: ReadonlySet<string>, lost: readonly string[]): Promise<void>;
  /** Another instance committed a change of this call, reaching `seq`. */
  changedElsewhere(callId: string, seq: number): Promise<void>;
}

/** What a heartbeat found. */
export interface LeaseBeat {
  held: ReadonlySet<string>;
  lost: string[];
  won: string[];
}

const HEARTBEAT = 'call lease heartbeat';

/**
 * Which unfinished calls this instance follows (docs/scaling.md): each has a lease row, claimed
 * by its creator in the inserting transaction; every heartbeat renews this instance's leases in
 * one statement, gives up those beyond its fair share and claims free ones up to it, each new
 * holder bumping the epoch that fences the tracker's commits. The share is counted per class,
 * ringing calls and the rest (unfinished calls of the class / live instances, rounded up): the
 * instances share the request budget about equally, so each follows about as many of the calls
 * that need most of it. The only instance runs the same code: its share is every call.
 */
@Injectable()
export class CallLeases {
  /** Call id → the epoch this instance holds it at, and its class; in the order they were won. */
  private readonly held = new Map<string, HeldLease>();
  private readonly instanceId: string;
  /** How long a renewal lasts: one heartbeat short of LEASE_TTL_MS, so that a dead instance's
   * calls are claimed at the others' next heartbeat within LEASE_TTL_MS of its last renewal. */
  private readonly leaseMs: number;
  private readonly logger: Logger;
  private readonly failures: RepeatedFailureLog;
  private follower?: LeaseFollower;
  /** Instances that said they are shutting down: not counted alive while their row lingers. */
  private readonly leaving = new Map<string, TimerHandle | undefined>();
  private timer?: TimerHandle;
  /** Fires when the last successful renewal's lease runs out (see heartbeat()). */
  private lapseTimer?: TimerHandle;
  private beating: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly store: CallLeaseStore,
    private readonly clock: Clock,
    private readonly signals: ClusterSignals,
  ) {
    this.instanceId = config.cluster.instanceId;
    this.leaseMs = config.cluster.leaseTtlMs - config.cluster.heartbeatMs;
    this.logger = logger.child({ component: 'call-leases' });
    this.failures = new RepeatedFailureLog(this.logger, 'warn', 'renewing call leases failed');
  }

  /** One of several instances: others may hold leases; alone, every lease not ours is orphaned. */
  private get sole(): boolean {
    return this.config.cluster.redisUrl === undefined;
  }

  @OnEvent('call.created', 'in-transaction')
  async claimCreated({ call }: { call: CallRecord }, trx: Writer): Promise<void> {
    await this.store.claimNew(trx, call.id, this.instanceId, this.leaseMs);
  }

  @OnEvent('call.created', 'after-commit')
  created({ call }: { call: CallRecord }): void {
    // Not ringing yet ('creating'); the next renewal reads its class.
    this.held.set(call.id, { callId: call.id, epoch: 1, leaseClass: 'other' });
  }

  @OnEvent('call.ended', 'in-transaction')
  async endLease({ call }: { call: CallRecord }, trx: Writer): Promise<void> {
    await this.store.end(trx, call.id);
  }

  /** Whoever follows the call elsewhere learns of the change before its next poll. */
  @OnEvent('call.committed', 'after-commit')
  announce({ call }: CallCommitted): void {
    this.signals.publish('call.changed', { callId: call.id, seq: call.seq });
  }

  holds(callId: string): boolean {
    return this.held.has(callId);
  }

  /** The check a tracker's commit of this call makes: our lease, at our epoch, not lapsed. */
  fence(callId: string): CommitFence {
    const lease = { callId, owner: this.instanceId, epoch: this.held.get(callId)?.epoch ?? 0 };
    return { verify: (trx) => this.store.verify(trx, lease) };
  }

  /** Takes this instance's share now, tells `follower`, and again on every heartbeat. */
  async start(follower: LeaseFollower): Promise<void> {
    this.follower = follower;
    this.signals.subscribe('call.changed', ({ callId, seq }) => {
      void follower.changedElsewhere(callId, seq);
    });
    this.signals.subscribe('call-leases.released', ({ instanceId, leaving }) => {
      if (leaving) this.forgetLater(instanceId);
      this.beatSoon();
    });
    const beat = await this.heartbeat();
    await follower.leasesChanged(beat.held, beat.lost);
    this.schedule();
  }

  /** Stops renewing and hands every lease back at once, for the others' next heartbeat. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.lapseTimer);
    for (const timer of this.leaving.values()) this.clock.clearTimeout(timer);
    await this.idle();
    this.held.clear();
    await this.store.releaseAll(this.instanceId).then(
      () =>
        this.signals.publish('call-leases.released', {
          instanceId: this.instanceId,
          leaving: true,
        }),
      (error: unknown) => {
        this.logger.warn({ err: error }, 'handing call leases back failed; they lapse instead');
      },
    );
  }

  /** Resolves once no heartbeat (with what it told the follower) is under way. */
  async idle(): Promise<void> {
    await this.beating;
  }

  /** Renews, tidies and rebalances; what changed is returned (and told the follower by the timer). */
  async heartbeat(): Promise<LeaseBeat> {
    const before = [...this.held.keys()];
    // Timed from when the renewal is SENT (the database dates the lease later), by a timer (no
    // wall clock that may jump): it becomes the lapse only if the renewal succeeds.
    const lapse = this.clock.setTimeout(() => this.lapsed(), this.leaseMs);
    let renewed: HeldLease[];
    try {
      renewed = await this.store.renew(this.instanceId, this.leaseMs);
    } catch (error) {
      this.clock.clearTimeout(lapse);
      throw error;
    }
    this.clock.clearTimeout(this.lapseTimer);
    this.lapseTimer = lapse;
    const still = new Set(renewed.map((lease) => lease.callId));
    const lost = before.filter((id) => !still.has(id));
    for (const id of lost) this.held.delete(id);
    this.hold(renewed);
    await this.store.tidy();
    const won = this.hold(await this.rebalance(lost));
    return { held: new Set(this.held.keys()), lost, won };
  }

  /**
   * No renewal succeeded within a lease (the database is unreachable, or slower than a lease):
   * another instance may hold our calls by now, so this one stops following them, as the leader
   * lease stops leading. A later successful renewal gives back those nobody took meanwhile.
   */
  private lapsed(): void {
    this.lapseTimer = undefined;
    // Alone on its database nobody else may take them: it keeps them through an outage.
    if (this.stopped || this.sole || this.held.size === 0) return;
    const lost = [...this.held.keys()];
    this.held.clear();
    this.logger.warn(
      { calls: lost.length },
      'call leases could not be renewed within their time; no longer following their calls',
    );
    this.follower?.leasesChanged(new Set(), lost).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'unfollowing the calls of lapsed leases failed');
    });
  }

  /**
   * In each class, gives up the excess over the fair share (the longest held first), or claims up
   * to it. A call changing status moves to the other class, yet cannot set a lease going back and
   * forth between two instances on every beat: an instance gives leases up only while it holds
   * more than its class's share ROUNDED UP, and another claims only while it holds fewer, so a
   * move leaves both within the share with nothing to give back. Leases move again only when the
   * counts change again (a call created, ended or changing class, an instance coming or going),
   * and then only those the change put over a share. (Released above the share rounded down, an
   * odd count would go back and forth for ever.)
   */
  private async rebalance(lost: string[]): Promise<HeldLease[]> {
    // An instance counts as alive as long as a lease of its would: a dead one's calls lapse and
    // its registry row ages out at about the same moment, so its calls fit the others' shares
    // at their next heartbeat, not one registry lifetime later.
    const live = this.sole
      ? 1
      : 1 + (await this.store.othersAlive(this.instanceId, this.leaseMs, [...this.leaving.keys()]));
    const totals = await this.store.countByClass();
    const wanted = new Map<LeaseClass, number>();
    const excess: string[] = [];
    for (const leaseClass of LEASE_CLASSES) {
      const share = Math.ceil(totals[leaseClass] / live);
      const mine = [...this.held.values()].filter((lease) => lease.leaseClass === leaseClass);
      if (mine.length > share)
        excess.push(...mine.slice(0, mine.length - share).map((lease) => lease.callId));
      else wanted.set(leaseClass, share - mine.length);
    }
    if (excess.length > 0) {
      await this.store.release(this.instanceId, excess);
      this.signals.publish('call-leases.released', { instanceId: this.instanceId, leaving: false });
      for (const id of excess) this.held.delete(id);
      lost.push(...excess);
    }
    const won: HeldLease[] = [];
    for (const [leaseClass, limit] of wanted)
      won.push(
        ...(await this.store.claim(this.instanceId, limit, this.leaseMs, this.sole, leaseClass)),
      );
    return won;
  }

  private hold(leases: HeldLease[]): string[] {
    for (const lease of leases) this.held.set(lease.callId, lease);
    return leases.map((lease) => lease.callId);
  }

  /** A beat now (after one under way), then every heartbeat again from it. */
  private beatSoon(): void {
    if (this.stopped || !this.follower) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.beating = this.beating.then(() => this.beat()).finally(() => this.schedule());
  }

  /** A leaving instance's row is gone or lapsed within a lease; forget it then. */
  private forgetLater(instanceId: string): void {
    this.clock.clearTimeout(this.leaving.get(instanceId));
    const timer = this.clock.setTimeout(
      () => this.leaving.delete(instanceId),
      this.config.cluster.leaseTtlMs,
    );
    this.leaving.set(instanceId, timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.beating = this.beat().finally(() => this.schedule());
    }, this.config.cluster.heartbeatMs);
  }

  private async beat(): Promise<void> {
    try {
      const { held, lost } = await this.heartbeat();
      this.failures.succeeded(HEARTBEAT);
      if (!this.stopped) await this.follower?.leasesChanged(held, lost);
    } catch (error) {
      // The leases we held may lapse meanwhile: the fence refuses those commits, nothing worse.
      this.failures.failed(HEARTBEAT, error);
    }
  }
}

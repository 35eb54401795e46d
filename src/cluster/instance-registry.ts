import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../common/clock.js';
import { databaseIsAway } from '../common/storage-failure.js';
import type {
  InstanceIdentity,
  InstanceRegistryStore,
  InstanceRow,
  RegistrationVerdict,
} from './instance-registry.store.js';

/** Start-up refused: another instance on this database rules this one out; the message says which. */
export class InstanceRefusedError extends Error {
  override name = 'InstanceRefusedError';
}

/** Whether a process of this host runs under `pid` (EPERM: it does, as another user). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function described(row: InstanceRow, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - row.heartbeatAtMs) / 1000));
  return `${row.id} (host ${row.host}, pid ${row.pid}, seen ${seconds} s ago)`;
}

/** Whether a start is judged for the first time (it may wait) or for good. */
export type RegistrationLook = 'first' | 'final';

/**
 * Decides a start among the live rows (lapsed ones are gone already). A row of this very process
 * (its token: another app in this process) or of this host whose process is gone (kill -9, a
 * crash) is a leftover, not an instance. A row of this host under our pid but another token is
 * either our own earlier run (a restarted container: every container's process is pid 1) or
 * another container of the same hostname: if it would refuse this start, a first look leaves it
 * `undecided` (the caller waits a lease: an earlier run's row lapses, a live one is renewed) and
 * the final look counts it as an instance. Of the instances: one without REDIS_URL must be the
 * only one, and instances with REDIS_URL share only among themselves.
 */
export function registrationVerdict(
  me: InstanceIdentity,
  live: InstanceRow[],
  nowMs: number,
  isAlive: (pid: number) => boolean = processIsAlive,
  look: RegistrationLook = 'final',
): RegistrationVerdict {
  const leftovers: string[] = [];
  const others: InstanceRow[] = [];
  for (const row of live) {
    const sameHost = row.host === me.host;
    const leftover =
      row.token === me.token || (sameHost && row.pid !== me.pid && !isAlive(row.pid));
    if (leftover) leftovers.push(row.id);
    else others.push(row);
  }
  const refusal = refusalAmong(me, others, nowMs);
  if (refusal === undefined) return { leftovers };
  const twins = others.filter((row) => row.host === me.host && row.pid === me.pid);
  const withoutTwins = others.filter((row) => !twins.includes(row));
  if (look === 'first' && twins.length > 0 && refusalAmong(me, withoutTwins, nowMs) === undefined)
    return { leftovers, undecided: twins.map((row) => row.id) };
  return { leftovers, refusal };
}

function refusalAmong(
  me: InstanceIdentity,
  others: InstanceRow[],
  nowMs: number,
): string | undefined {
  const namesake = others.find((row) => row.id === me.id);
  if (namesake)
    return `a broker instance with INSTANCE_ID ${me.id} is live on this database: ${described(namesake, nowMs)}; give each instance its own INSTANCE_ID`;
  if (!me.several && others.length > 0)
    return `another broker instance is live on this database: ${described(others[0]!, nowMs)}; stop it, or run several with REDIS_URL on PostgreSQL`;
  const single = others.find((row) => !row.several);
  if (me.several && single)
    return `a broker instance without REDIS_URL is live on this database: ${described(single, nowMs)}; it must be the only one: stop it, or restart it with REDIS_URL`;
  return undefined;
}

/**
 * This process's row in `broker_instances`: registered at start-up (or start-up is refused),
 * its heartbeat renewed every heartbeatMs, deleted at shutdown. A heartbeat the database does
 * not take is logged once and tried again; the broker keeps running. An instance paused past the
 * lease finds its row gone: it registers again, judged as a start, and `refusedLater` is told
 * when another instance that started meanwhile rules it out.
 */
export class InstanceRegistry {
  private timer?: TimerHandle;
  private beating?: Promise<void>;
  private stopped = false;
  private failing = false;
  private waiting?: TimerHandle;

  constructor(
    private readonly store: InstanceRegistryStore,
    readonly identity: InstanceIdentity,
    private readonly clock: Clock,
    private readonly heartbeatMs: number,
    private readonly logger: Logger,
    private readonly isAlive: (pid: number) => boolean = processIsAlive,
    private readonly refusedLater: (refusal: string) => void = () => undefined,
  ) {}

  /** Registers this instance, then keeps its heartbeat; throws InstanceRefusedError instead. */
  async register(): Promise<void> {
    const first = await this.judged('first');
    let { refusal } = first;
    if (first.undecided) {
      this.logger.info(
        { rows: first.undecided, leaseTtlMs: this.store.leaseTtlMs },
        'a live row of this host and pid but another process (an earlier run of this container, or another container): waiting one lease for it to lapse or be renewed',
      );
      await new Promise<void>((resolve) => {
        this.waiting = this.clock.setTimeout(resolve, this.store.leaseTtlMs);
      });
      ({ refusal } = await this.judged('final'));
    }
    if (refusal !== undefined) throw new InstanceRefusedError(refusal);
    this.logger.info(
      { instanceId: this.identity.id, several: this.identity.several },
      'registered in broker_instances',
    );
    this.schedule();
  }

  private judged(look: RegistrationLook): Promise<RegistrationVerdict> {
    return this.store.register(this.identity, (live, nowMs) =>
      registrationVerdict(this.identity, live, nowMs, this.isAlive, look),
    );
  }

  /** How many instances are live on this database now, this one included. */
  async liveInstances(): Promise<number> {
    return (await this.store.live()).length;
  }

  /** Stops the heartbeat and deletes our row: another instance may start at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.waiting);
    await this.beating;
    await this.store
      .remove(this.identity.id)
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'removing this instance from broker_instances failed'),
      );
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.beating = this.beat().finally(() => {
        this.beating = undefined;
        this.schedule();
      });
    }, this.heartbeatMs);
  }

  private async beat(): Promise<void> {
    try {
      if (!(await this.store.heartbeat(this.identity.id))) {
        const { refusal } = await this.judged('final');
        if (refusal !== undefined) {
          this.stopped = true;
          this.logger.error(
            { refusal },
            'this instance missed its heartbeats for longer than the lease, and an instance that started meanwhile rules it out',
          );
          return this.refusedLater(refusal);
        }
        this.logger.warn(
          'this instance missed its heartbeats for longer than the lease and was taken for stopped; registered again',
        );
      }
      if (this.failing) this.logger.info('the instance heartbeat works again');
      this.failing = false;
    } catch (error) {
      if (this.failing) return;
      this.failing = true;
      this.logger[databaseIsAway(error) ? 'debug' : 'warn'](
        { err: error, error: error instanceof Error ? error.message : String(error) },
        'renewing the instance heartbeat failed; trying again every heartbeat',
      );
    }
  }
}

import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Transaction } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { QuotaConfig } from '../config/quota-config.js';
import type { BrokerDatabase } from '../database/schema.js';
import type { Person } from '../directory/person.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { lockPerson } from './person-lock.js';
import { QuotaExceededError } from './quota.errors.js';
import { QuotaStore } from './quota-store.js';

const MINUTE_MS = 60_000;
const SECOND_MS = 1000;
/** A lease lapses this long after its instance last renewed it (renewed every third of it). */
const LEASE_TTL_MS = 3 * MINUTE_MS;
/** Until a call of theirs ends the technician cannot know; this is when asking again makes sense. */
const ACTIVE_CALLS_RETRY_SECONDS = 30;

/**
 * The per-person limits of docs/security.md ("Quotas"): what one account may hold open or do
 * per unit of time. Counters live in the QuotaStore, shared by instances on one database.
 */
@Injectable()
export class QuotasService implements OnApplicationBootstrap, OnModuleDestroy {
  /** This process, as the holder of the socket leases it opened. */
  private readonly instanceId = randomUUID();
  private readonly limits: QuotaConfig;
  private maintenance?: TimerHandle;
  private stopped = false;

  constructor(
    private readonly store: QuotaStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.limits = config.quotas;
  }

  onApplicationBootstrap(): void {
    this.scheduleMaintenance();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.maintenance);
    await this.store.closeLeasesOf(this.instanceId).catch(() => undefined);
  }

  /** Before a call is created: the caller's creates per minute (refused attempts count too). */
  async admitCreate(caller: Person): Promise<void> {
    await this.admitRate(caller, 'creates', MINUTE_MS, this.limits.createsPerMinute, 'calls');
  }

  /**
   * Inside the transaction that has just inserted a call for the technician: waits for their other
   * creates in flight to commit or roll back, then `activeCalls(n)` counts their active calls in
   * `trx`, this one included, up to `n`. Over the cap it throws, which rolls the insert
   * back; so of parallel creates, on any instance, at most the cap get a call.
   */
  async admitActiveCall(
    trx: Transaction<BrokerDatabase>,
    technicianId: string,
    activeCalls: (limit: number) => Promise<number>,
  ): Promise<void> {
    await lockPerson(trx, 'active-calls', technicianId);
    const limit = this.limits.activeCallsPerTechnician;
    if ((await activeCalls(limit + 1)) > limit) {
      throw new QuotaExceededError(
        `technician ${technicianId} already has ${limit} active calls, the most allowed; ` +
          'end or cancel one first',
        ACTIVE_CALLS_RETRY_SECONDS,
      );
    }
  }

  /** Before a webhook is created: the integration's creations per minute (refused ones count too). */
  async admitWebhookCreate(caller: Person, perMinute: number): Promise<void> {
    await this.admitRate(caller, 'webhook-creates', MINUTE_MS, perMinute, 'webhook creations');
  }

  /** One socket message (call.subscribe, ...) from the person, all their sockets together. */
  async admitMessage(person: Person): Promise<void> {
    await this.admitRate(
      person,
      'socket-messages',
      SECOND_MS,
      this.limits.socketMessagesPerSecond,
      'socket messages',
    );
  }

  /** A socket slot for the person; resolves to the lease id to give back with releaseSocket(). */
  async admitSocket(person: Person): Promise<string> {
    const leaseId = randomUUID();
    const now = this.clock.now();
    const opened = await this.store.openLease(
      {
        leaseId,
        personId: person.id,
        instanceId: this.instanceId,
        expiresAt: iso(now + LEASE_TTL_MS),
      },
      this.limits.socketsPerPerson,
      iso(now),
    );
    if (!opened) {
      throw new QuotaExceededError(
        `too many open sockets for ${person.id} (at most ${this.limits.socketsPerPerson}); ` +
          'close another connection first',
        LEASE_TTL_MS / 1000 / 3,
      );
    }
    return leaseId;
  }

  async releaseSocket(leaseId: string): Promise<void> {
    await this.store.closeLease(leaseId);
  }

  /** Fixed windows: cheap to count in one upsert; a burst across a boundary gets at most twice the rate. */
  private async admitRate(
    person: Person,
    quota: string,
    windowMs: number,
    limit: number,
    what: string,
  ): Promise<void> {
    const now = this.clock.now();
    const start = Math.floor(now / windowMs) * windowMs;
    const count = await this.store.increment(person.id, quota, iso(start), iso(start + windowMs));
    if (count > limit) {
      const per = windowMs === MINUTE_MS ? 'minute' : 'second';
      throw new QuotaExceededError(
        `${person.id} sent more than ${limit} ${what} per ${per}; try again shortly`,
        (start + windowMs - now) / 1000,
      );
    }
  }

  /** Renews this instance's leases and sweeps what is over, every third of a lease's life. */
  private scheduleMaintenance(): void {
    if (this.stopped) return;
    this.maintenance = this.clock.setTimeout(async () => {
      const now = this.clock.now();
      try {
        await this.store.renewLeases(this.instanceId, iso(now + LEASE_TTL_MS));
        await this.store.sweep(iso(now));
      } catch (error) {
        this.logger.warn(
          { err: error },
          'renewing socket leases or sweeping quota counters failed',
        );
      }
      this.scheduleMaintenance();
    }, LEASE_TTL_MS / 3);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import type { AtRestConfig } from '../config/at-rest-config.js';
import { DELETE_BATCH, deleteInBatches } from './batched-delete.js';
import type { BrokerDatabase } from './schema.js';

/**
 * calls.fallback_json with its meeting's password gone (the meeting expired): the column holds a
 * JSON object whose `password` is the sealed password (schema.ts, CallsTable).
 */
export function wipedFallback(json: string): string {
  return JSON.stringify({ ...(JSON.parse(json) as Record<string, unknown>), password: null });
}

/** How often the sweep runs; each run also runs once at start-up. */
export const SWEEP_INTERVAL_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

export interface SweepResult {
  outboxRowsPruned: number;
  acceptLinksPruned: number;
  meetingPasswordsWiped: number;
}

/**
 * Keeps the database from holding what the broker no longer needs (docs/security.md, "At
 * rest"): delivered (and superseded) outbox rows and used accept links past their retention are
 * deleted, every other settled outbox row past RETENTION_DAYS (the one place outbox rows are
 * pruned; calls/event-retention.ts prunes the call events), and a fallback meeting's password once
 * the meeting expired. Runs on the injected Clock (built by
 * DatabaseModule, which owns the database it sweeps).
 */
export class RetentionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: TimerHandle;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly db: Kysely<BrokerDatabase>,
    private readonly clock: Clock,
    private readonly settings: AtRestConfig,
    private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    await this.running;
  }

  /** Resolves once a sweep under way has finished (tests on a fake clock wait here). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** One sweep as of `nowMs`. */
  async sweep(nowMs = this.clock.now()): Promise<SweepResult> {
    const before = (ms: number) => new Date(nowMs - ms).toISOString();
    const outboxRowsPruned = await this.inBatches((db) =>
      db
        .deleteFrom('outbox')
        .where(
          'id',
          'in',
          db
            .selectFrom('outbox')
            .select('id')
            .where((eb) =>
              eb.or([
                eb.and([
                  eb('status', '=', 'delivered'),
                  eb('delivered_at', '<', before(this.settings.outboxRetentionMs)),
                ]),
                // A page that never went out (its request stopped waiting): kept as long.
                eb.and([
                  eb('status', '=', 'superseded'),
                  eb('created_at', '<', before(this.settings.outboxRetentionMs)),
                ]),
                // Anything else settled (a dead delivery, kept for a retry by hand) goes with
                // the data lifecycle (RETENTION_DAYS). A pending row is still due: its own
                // expiry settles it.
                eb.and([
                  eb('status', '!=', 'pending'),
                  eb('created_at', '<', before(this.settings.retentionDays * DAY_MS)),
                ]),
              ]),
            )
            .limit(DELETE_BATCH),
        )
        .executeTakeFirst(),
    );
    const acceptLinksPruned = await this.inBatches((db) =>
      db
        .deleteFrom('accept_link_use')
        .where(
          'link_id',
          'in',
          db
            .selectFrom('accept_link_use')
            .select('link_id')
            .where('used_at', '<', before(this.settings.acceptLinkRetentionMs))
            .limit(DELETE_BATCH),
        )
        .executeTakeFirst(),
    );
    return {
      outboxRowsPruned,
      acceptLinksPruned,
      meetingPasswordsWiped: await this.wipeMeetingPasswords(new Date(nowMs).toISOString()),
    };
  }

  private async wipeMeetingPasswords(now: string): Promise<number> {
    const expired = await this.db
      .selectFrom('calls')
      .select(['id', 'fallback_json'])
      .where('fallback_password_until', '<=', now)
      .execute();
    for (const { id, fallback_json } of expired)
      await this.db
        .updateTable('calls')
        .set({
          fallback_json: fallback_json === null ? null : wipedFallback(fallback_json),
          fallback_password_until: null,
        })
        .where('id', '=', id)
        .where('fallback_password_until', '<=', now)
        .execute();
    return expired.length;
  }

  private inBatches(
    run: (db: Kysely<BrokerDatabase>) => Promise<{ numDeletedRows: bigint }>,
  ): Promise<number> {
    return deleteInBatches(
      () => run(this.db),
      () => this.stopped,
    );
  }

  private schedule(delayMs: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.running = this.sweep()
        .then((result) => {
          if (Object.values(result).some((n) => n > 0)) this.logger.info(result, 'retention sweep');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'retention sweep failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(SWEEP_INTERVAL_MS);
        });
    }, delayMs);
  }
}

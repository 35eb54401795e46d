import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import { lockPerson } from './person-lock.js';
import { QuotaStore, type SocketLease } from './quota-store.js';

/** Thrown inside openLease's transaction to roll its insert back. */
class OverCap extends Error {}

/** QuotaStore on the broker's own database (SQLite or PostgreSQL). */
@Injectable()
export class KyselyQuotaStore extends QuotaStore {
  constructor(@Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>) {
    super();
  }

  async increment(
    personId: string,
    quota: string,
    windowStart: string,
    windowEnd: string,
  ): Promise<number> {
    // One atomic upsert: concurrent requests (on any instance) each get a distinct count.
    const row = await this.db
      .insertInto('quota_counters')
      .values({
        person_id: personId,
        quota,
        window_start: windowStart,
        count: 1,
        window_end: windowEnd,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['person_id', 'quota', 'window_start'])
          .doUpdateSet((eb) => ({ count: eb('quota_counters.count', '+', 1) })),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async openLease(lease: SocketLease, limit: number, now: string): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        // Locked, then written before counted: see lockPerson. Over the cap rolls the insert back.
        await lockPerson(trx, 'sockets', lease.personId);
        await trx
          .insertInto('socket_leases')
          .values({
            lease_id: lease.leaseId,
            person_id: lease.personId,
            instance_id: lease.instanceId,
            expires_at: lease.expiresAt,
          })
          .execute();
        const { held } = await trx
          .selectFrom('socket_leases')
          .select((eb) => eb.fn.countAll().as('held'))
          .where('person_id', '=', lease.personId)
          .where('expires_at', '>', now)
          .executeTakeFirstOrThrow();
        if (Number(held) > limit) throw new OverCap();
      });
      return true;
    } catch (error) {
      if (error instanceof OverCap) return false;
      throw error;
    }
  }

  async closeLease(leaseId: string): Promise<void> {
    await this.db.deleteFrom('socket_leases').where('lease_id', '=', leaseId).execute();
  }

  async renewLeases(instanceId: string, expiresAt: string): Promise<void> {
    await this.db
      .updateTable('socket_leases')
      .set({ expires_at: expiresAt })
      .where('instance_id', '=', instanceId)
      .execute();
  }

  async closeLeasesOf(instanceId: string): Promise<void> {
    await this.db.deleteFrom('socket_leases').where('instance_id', '=', instanceId).execute();
  }

  async sweep(now: string): Promise<void> {
    await this.db.deleteFrom('quota_counters').where('window_end', '<=', now).execute();
    await this.db.deleteFrom('socket_leases').where('expires_at', '<=', now).execute();
  }
}

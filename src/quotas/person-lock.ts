import { PostgresAdapter, sql, type Transaction } from 'kysely';
import type { BrokerDatabase } from '../database/schema.js';

/**
 * Makes the rest of `trx` one step per (quota, person): a cap's count and the insert it admits
 * cannot interleave with another request's for the same person, on any instance.
 *
 * PostgreSQL runs transactions side by side at READ COMMITTED, where a count cannot see rows
 * another transaction has inserted but not committed: a transaction-scoped advisory lock makes
 * the next one wait until this one commits or rolls back, and its next statement then sees the
 * committed rows. Keys are hashes, so two people may rarely share one lock; that only serialises.
 *
 * SQLite needs no lock: Kysely's SqliteDialect has one connection and holds it (a mutex) from
 * BEGIN to COMMIT, so no other query of this process runs in between, whatever the awaits. Across
 * processes on one file, a transaction that has written holds SQLite's single write lock until it
 * ends; callers therefore write before they count (an over-cap insert is rolled back).
 */
export async function lockPerson(
  trx: Transaction<BrokerDatabase>,
  quota: string,
  personId: string,
): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`select pg_advisory_xact_lock(hashtext(${`quota:${quota}`}), hashtext(${personId}))`.execute(
    trx,
  );
}

import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { BadRequestError } from '../common/broker-error.js';
import type { BrokerDatabase } from '../database/schema.js';

/** `GET /v1/calls?q=`: at most this many characters (a search box, not a query language). */
export const CALL_SEARCH_MAX_LENGTH = 100;
/** How far back a search reaches without `from`: the recent calls people look for. */
export const CALL_SEARCH_DAYS = 30;
/** The widest `from`..`to` a search takes at once: each search reads at most this much. */
export const CALL_SEARCH_MAX_DAYS = 366;
const DAY_MS = 86_400_000;

/** Calls created at or after `from` and before `to` (ISO-8601, UTC); null: no bound that side. */
export interface CreatedWindow {
  from: string | null;
  to: string | null;
}

/**
 * The creation times a listing reads. A search (`q`, a LIKE no index serves) is always bounded:
 * `to` (default now) back to `from` (default CALL_SEARCH_DAYS before `to`), at most
 * CALL_SEARCH_MAX_DAYS wide, so it scans a range of the (created_at, id) index, never the whole
 * table. Without `q`, from/to bound only where given. `from`/`to` are valid instants (the DTO).
 */
export function createdWindow(
  nowMs: number,
  searching: boolean,
  given: { from?: string; to?: string },
): CreatedWindow {
  const from = given.from === undefined ? null : Date.parse(given.from);
  const to = given.to === undefined ? null : Date.parse(given.to);
  if (from !== null && to !== null && from >= to)
    throw new BadRequestError(`from must be before to (from ${given.from}, to ${given.to})`);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  if (!searching) return { from: iso(from), to: iso(to) };
  const end = to ?? nowMs;
  const start = from ?? end - CALL_SEARCH_DAYS * DAY_MS;
  if (end - start > CALL_SEARCH_MAX_DAYS * DAY_MS)
    throw new BadRequestError(
      `q searches at most ${CALL_SEARCH_MAX_DAYS} days of calls at once: bring from and to closer`,
    );
  return { from: iso(start), to: iso(to) };
}

/**
 * A search over calls: `text` somewhere in the title or the externalRef, or a technician whose id
 * or directory name holds it (`technicianIds`, looked up by the caller: the calls table keeps
 * only the technician's id as a column).
 */
export interface CallSearch {
  text: string;
  technicianIds: readonly string[];
}

/**
 * `text` as a LIKE pattern matching it anywhere: `%`, `_` and the escape character `!` stand for
 * themselves (the SQL says `escape '!'`, a character no database's string syntax treats apart).
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `!${char}`)}%`;
}

/**
 * The search as one WHERE condition, its text bound as a parameter. The database's lower() on
 * both sides, since LIKE ignores case on SQLite (ASCII only) but not on PostgreSQL: lower-cased in
 * JavaScript instead, "ÜBERDRUCK" would not even find itself on SQLite, whose lower() leaves Ü.
 */
export function searchCondition(
  eb: ExpressionBuilder<BrokerDatabase, 'calls'>,
  search: CallSearch,
): Expression<SqlBool> {
  const pattern = containsPattern(search.text);
  const contains = (column: 'title' | 'external_ref' | 'technician_id') =>
    sql<SqlBool>`lower(${sql.ref(column)}) like lower(${pattern}) escape '!'`;
  return eb.or([
    contains('title'),
    contains('external_ref'),
    contains('technician_id'),
    ...(search.technicianIds.length > 0
      ? [eb('technician_id', 'in', [...search.technicianIds])]
      : []),
  ]);
}

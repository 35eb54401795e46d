import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { BrokerDatabase } from '../database/schema.js';

/** `GET /v1/calls?q=`: at most this many characters (a search box, not a query language). */
export const CALL_SEARCH_MAX_LENGTH = 100;

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

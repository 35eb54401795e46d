import { sql } from 'kysely';
import { openDatabase } from '../../src/database/database.js';

/** Runs `statements` on the broker's database through a connection of its own. */
async function onDatabase(databaseUrl: string, statements: string): Promise<void> {
  const { db } = openDatabase(databaseUrl);
  try {
    await sql.raw(statements).execute(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Makes the database itself refuse the events of these types, as it would for a cause nobody
 * foresaw: the commit that writes one rolls back ('poisoned event refused'). curePoison ends it.
 */
export async function poisonEventTypes(databaseUrl: string, types: string[]): Promise<void> {
  const listed = types.map((type) => `'${type}'`).join(', ');
  await onDatabase(
    databaseUrl,
    databaseUrl.startsWith('sqlite:')
      ? `CREATE TRIGGER poison BEFORE INSERT ON call_events WHEN NEW.type IN (${listed})
         BEGIN SELECT RAISE(ABORT, 'poisoned event refused'); END`
      : `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
           IF NEW.type IN (${listed}) THEN RAISE EXCEPTION 'poisoned event refused'; END IF;
           RETURN NEW; END $$;
         CREATE TRIGGER poison BEFORE INSERT ON call_events
           FOR EACH ROW EXECUTE FUNCTION poison();`,
  );
}

/** The database accepts every event again. */
export async function curePoison(databaseUrl: string): Promise<void> {
  await onDatabase(
    databaseUrl,
    databaseUrl.startsWith('sqlite:')
      ? 'DROP TRIGGER poison'
      : 'DROP TRIGGER poison ON call_events; DROP FUNCTION poison();',
  );
}

/**
 * `npm run backup -- <file>`: an online copy of the SQLite database DATABASE_URL names, taken
 * while the broker runs (docs/operations.md). PostgreSQL has its own tools: pg_dump.
 */
import { ConfigError, backupCliConfigFromEnvironment } from '../config/app-config.js';
import { BackupError, backUpSqlite } from './sqlite-backup.js';
import { sqlitePathOf } from './sqlite-url.js';

const [target] = process.argv.slice(2);
try {
  if (!target) throw new ConfigError('usage: npm run backup -- <backup file>');
  const { databaseUrl } = backupCliConfigFromEnvironment();
  const source = sqlitePathOf(databaseUrl);
  if (source === undefined)
    throw new ConfigError(
      'DATABASE_URL is PostgreSQL: back it up with pg_dump (docs/operations.md, "Backups")',
    );
  const pages = await backUpSqlite(source, target);
  process.stdout.write(`backed up ${source} to ${target} (${pages} pages, integrity ok)\n`);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof BackupError)) throw error;
  process.stderr.write(`backup failed: ${error.message}\n`);
  process.exitCode = 2;
}

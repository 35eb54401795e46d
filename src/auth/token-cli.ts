/**
 * `npm run token -- <personId> [ttlSeconds]`: prints a client token for the configured secret.
 * Needs only AUTH_JWT_SECRET and DIRECTORY_FILE (neither: the demo secret and directory).
 */
import { ConfigError, tokenCliConfigFromEnvironment } from '../config/app-config.js';
import { DirectoryError } from '../directory/directory-file.js';
import { loadDirectory } from '../directory/directory.module.js';
import { issueToken } from './jwt.js';

const [personId, ttlArg = '43200'] = process.argv.slice(2);
try {
  if (!personId) throw new ConfigError('usage: npm run token -- <personId> [ttlSeconds]');
  const ttl = Number(ttlArg);
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new ConfigError(`ttlSeconds must be a positive whole number, got "${ttlArg}"`);
  const config = tokenCliConfigFromEnvironment();
  const directory = loadDirectory(config.directoryFile);
  if (!directory.find(personId)) {
    const known = directory
      .all()
      .map((person) => person.id)
      .join(', ');
    throw new ConfigError(`"${personId}" is not in the directory (known: ${known})`);
  }
  process.stdout.write(`${issueToken(personId, ttl, config.jwtSecret)}\n`);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof DirectoryError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 2;
}

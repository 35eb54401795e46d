import { Global, Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DEMO_DIRECTORY } from './demo-directory.js';
import { DirectoryError, parseDirectory } from './directory-file.js';
import { DirectoryService } from './directory.service.js';
import { withChannelIdentities } from './channel-identities-file.js';
import { parseQueues } from './queue-file.js';

/** People and queues from the directory file's JSON; throws DirectoryError naming each mistake. */
export function directoryFrom(json: unknown): DirectoryService {
  const people = parseDirectory(json);
  // The channels' and the queues' mistakes in one report: both need only the people.
  const lines: string[] = [];
  const collect = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof DirectoryError)) throw error;
      lines.push(error.message);
      return undefined;
    }
  };
  const withChannels = collect(() => withChannelIdentities(json, people));
  const queues = collect(() => parseQueues(json, people));
  if (withChannels === undefined || queues === undefined)
    throw new DirectoryError(lines.join('\n'));
  return new DirectoryService(withChannels, queues);
}

export function loadDirectory(file: string | undefined): DirectoryService {
  if (file === undefined) return directoryFrom(DEMO_DIRECTORY);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DirectoryError(`DIRECTORY_FILE ${file} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DirectoryError(
      `DIRECTORY_FILE ${file} is not valid JSON: ${(error as Error).message}`,
    );
  }
  try {
    return directoryFrom(json);
  } catch (error) {
    // One line per mistake, each naming the file.
    const lines = (error as Error).message.split('\n');
    throw new DirectoryError(lines.map((line) => `DIRECTORY_FILE ${file}: ${line}`).join('\n'));
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DirectoryService,
      useFactory: (config: AppConfig) => loadDirectory(config.directoryFile),
      inject: [APP_CONFIG],
    },
  ],
  exports: [DirectoryService],
})
export class DirectoryModule {}

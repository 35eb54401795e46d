import { Global, Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DEMO_DIRECTORY, DEMO_EXPERT_IDS } from './demo-directory.js';
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

/**
 * Demo mode on a directory of one's own: its demo experts must be experts there, or the demo's
 * promise (a demo expert takes what nobody answered) silently fails. One line per mistake.
 */
function demoExpertMistakes(directory: DirectoryService): string[] {
  return DEMO_EXPERT_IDS.flatMap((id) => {
    const person = directory.find(id);
    if (!person)
      return [
        `demo mode needs its demo expert "${id}" here (an expert who takes what nobody answered): add them, or unset DIRECTORY_FILE for the demo directory`,
      ];
    if (person.roles.includes('expert')) return [];
    return [
      `demo mode's demo expert "${id}" is not an expert here (roles: ${person.roles.join(', ')}): give them the expert role, or unset DIRECTORY_FILE for the demo directory`,
    ];
  });
}

export function loadDirectory(
  file: string | undefined,
  mode: { demoMode: boolean } = { demoMode: false },
): DirectoryService {
  if (file === undefined) return directoryFrom(DEMO_DIRECTORY);
  const directory = loadDirectoryFile(file);
  const mistakes = mode.demoMode ? demoExpertMistakes(directory) : [];
  if (mistakes.length > 0)
    throw new DirectoryError(mistakes.map((line) => `DIRECTORY_FILE ${file}: ${line}`).join('\n'));
  return directory;
}

function loadDirectoryFile(file: string): DirectoryService {
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
      useFactory: (config: AppConfig) => loadDirectory(config.directoryFile, config),
      inject: [APP_CONFIG],
    },
  ],
  exports: [DirectoryService],
})
export class DirectoryModule {}

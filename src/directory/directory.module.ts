import { Global, Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DEMO_DIRECTORY } from './demo-directory.js';
import { DirectoryError, parseDirectory } from './directory-file.js';
import { DirectoryService } from './directory.service.js';

export function loadDirectory(file: string | undefined): DirectoryService {
  if (file === undefined) return new DirectoryService(parseDirectory(DEMO_DIRECTORY));
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
    return new DirectoryService(parseDirectory(json));
  } catch (error) {
    throw new DirectoryError(`DIRECTORY_FILE ${file}: ${(error as Error).message}`);
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

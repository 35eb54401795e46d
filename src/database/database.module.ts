import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { Clock } from '../common/clock.js';
import { SecretBox } from '../common/secret-box.js';
import { prepareDatabase } from './database.js';
import { RetentionSweeper } from './retention-sweeper.js';
import { DatabaseProbe } from './write-probe.js';
import type { BrokerDatabase } from './schema.js';

/** DI token for the Kysely instance. */
export const DATABASE = Symbol('DATABASE');

export { DatabaseProbe } from './write-probe.js';

@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      useFactory: (config: AppConfig, logger: Logger) =>
        prepareDatabase(config.databaseUrl, {
          settings: config.database,
          logger: logger.child({ component: 'database' }),
        }),
      inject: [APP_CONFIG, ROOT_LOGGER],
    },
    {
      provide: DatabaseProbe,
      useFactory: (db: Kysely<BrokerDatabase>, config: AppConfig, logger: Logger) =>
        new DatabaseProbe(
          db,
          config.databaseUrl,
          config.database.readyTimeoutMs,
          logger.child({ component: 'database-probe' }),
        ),
      inject: [DATABASE, APP_CONFIG, ROOT_LOGGER],
    },
    {
      provide: SecretBox,
      useFactory: (config: AppConfig) => new SecretBox(config.atRest.keys),
      inject: [APP_CONFIG],
    },
    {
      provide: RetentionSweeper,
      useFactory: (db: Kysely<BrokerDatabase>, clock: Clock, config: AppConfig, logger: Logger) =>
        new RetentionSweeper(db, clock, config.atRest, logger.child({ component: 'retention' })),
      inject: [DATABASE, Clock, APP_CONFIG, ROOT_LOGGER],
    },
  ],
  exports: [DATABASE, DatabaseProbe, SecretBox, RetentionSweeper],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}

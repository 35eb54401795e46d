import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { prepareDatabase } from './database.js';
import type { BrokerDatabase } from './schema.js';

/** DI token for the Kysely instance. */
export const DATABASE = Symbol('DATABASE');

/** Whether the database answers; for /readyz. */
export class DatabaseProbe {
  constructor(private readonly db: Kysely<BrokerDatabase>) {}

  async isReachable(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      useFactory: (config: AppConfig) => prepareDatabase(config.databaseUrl),
      inject: [APP_CONFIG],
    },
    {
      provide: DatabaseProbe,
      useFactory: (db: Kysely<BrokerDatabase>) => new DatabaseProbe(db),
      inject: [DATABASE],
    },
  ],
  exports: [DATABASE, DatabaseProbe],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}

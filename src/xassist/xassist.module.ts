import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { XAssistClient } from './xassist-client.port.js';
import { XAssistHttpClient } from './xassist-http.client.js';

@Module({
  providers: [
    {
      provide: XAssistClient,
      useFactory: (config: AppConfig, logger: Logger) =>
        new XAssistHttpClient(config.xassist, logger.child({ component: 'xassist-client' })),
      inject: [APP_CONFIG, ROOT_LOGGER],
    },
  ],
  exports: [XAssistClient],
})
export class XAssistModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(XAssistClient) private readonly client: XAssistClient) {}

  /** Not awaited: start-up neither waits for a slow xAssist nor fails on a passing outage. */
  onApplicationBootstrap(): void {
    void this.client.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

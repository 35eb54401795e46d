import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { FakeClock } from './fake-clock.js';
import type { AppConfig } from '../../src/config/app-config.js';
import type { BrokerDatabase } from '../../src/database/schema.js';
import type { DirectoryService } from '../../src/directory/directory.service.js';
import type { PagingRule } from '../../src/notifications/channels-document.js';
import { OutboxStore } from '../../src/outbox/kysely-outbox.store.js';
import { PageFairness } from '../../src/paging/page-fairness.js';
import { PagingService } from '../../src/paging/paging.service.js';

/** What the paging set-up is built on: a CallsStack has all of it. */
export interface PagingBase {
  db: Kysely<BrokerDatabase>;
  clock: FakeClock;
  directory: DirectoryService;
  config: AppConfig;
  logger: Logger;
}

/**
 * PagingService loaded with `rules` (no channels, no fallback: a page is only an outbox row), the
 * config whose channels file answers them, and the outbox with its fairness, as PagingModule wires them.
 */
export function pagingSetUp(base: PagingBase, rules: PagingRule[]) {
  const config = {
    ...base.config,
    paging: {
      ...base.config.paging,
      readChannelsFile: () => ({ channels: [], rules, fallback: null }),
    },
  } as unknown as AppConfig;
  const paging = new PagingService(base.directory, base.clock, config, base.logger);
  paging.load();
  const outbox = new OutboxStore(base.db);
  return { config, paging, outbox, fairness: new PageFairness(outbox, config) };
}

import { Module } from '@nestjs/common';
import { KyselyQuotaStore } from './kysely-quota.store.js';
import { QuotaStore } from './quota-store.js';
import { QuotasService } from './quotas.service.js';

/** One QuotasService for the app: the calls module and the gateway share its instance id. */
@Module({
  providers: [{ provide: QuotaStore, useClass: KyselyQuotaStore }, QuotasService],
  exports: [QuotasService],
})
export class QuotasModule {}

import { Module } from '@nestjs/common';
import { QuotasModule } from '../quotas/quotas.module.js';
import { XAssistModule } from '../xassist/xassist.module.js';
import { CallCommitHooks } from './call-commit-hooks.js';
import { CallCreation } from './call-creation.js';
import { CallLedger } from './call-ledger.service.js';
import { CallRepository } from './call.repository.js';
import { CallTracker } from './call-tracker.service.js';
import { CallUpdatesBus } from './call-updates.bus.js';
import { CallsController } from './calls.controller.js';
import { CallsService } from './calls.service.js';
import { KyselyCallRepository } from './kysely-call.repository.js';

@Module({
  imports: [XAssistModule, QuotasModule],
  controllers: [CallsController],
  providers: [
    { provide: CallRepository, useClass: KyselyCallRepository },
    CallUpdatesBus,
    CallCommitHooks,
    CallLedger,
    CallTracker,
    CallCreation,
    CallsService,
  ],
  exports: [CallsService, CallUpdatesBus, CallCommitHooks, CallTracker],
})
export class CallsModule {}

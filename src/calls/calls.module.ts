import { Module } from '@nestjs/common';
import { QuotasModule } from '../quotas/quotas.module.js';
import { XAssistModule } from '../xassist/xassist.module.js';
import { CallCreation } from './call-creation.js';
import { CreationReconciler } from './creation-reconciler.js';
import { EventRetention } from './event-retention.js';
import { FallbackMeetings } from './fallback-meetings.js';
import { CallLedger } from './call-ledger.service.js';
import { CallLeases } from './call-leases.js';
import { CallLeaseStore } from './kysely-call-lease.store.js';
import { CallMetrics } from './call-metrics.js';
import { CallRepository } from './call.repository.js';
import { CallTracker } from './call-tracker.service.js';
import { CallsController } from './calls.controller.js';
import { CallWrapUps } from './call-wrap-ups.service.js';
import { CallWrapUpsController } from './call-wrap-ups.controller.js';
import { CallsService } from './calls.service.js';
import { KyselyCallRepository } from './kysely-call.repository.js';
import { QueuePlacements } from './queue-placements.js';

@Module({
  imports: [XAssistModule, QuotasModule],
  controllers: [CallsController, CallWrapUpsController],
  providers: [
    { provide: CallRepository, useClass: KyselyCallRepository },
    CallMetrics,
    CallLedger,
    CallLeaseStore,
    CallLeases,
    CallTracker,
    CallCreation,
    CreationReconciler,
    FallbackMeetings,
    CallsService,
    QueuePlacements,
    CallWrapUps,
    EventRetention,
  ],
  exports: [
    CallsService,
    CallTracker,
    CallCreation,
    CallLedger,
    CallRepository,
    QueuePlacements,
    FallbackMeetings,
  ],
})
export class CallsModule {}

import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ClusterRole, SoleInstance } from './cluster-role.js';
import { ClusterSignals, NoOtherInstances } from './cluster-signals.js';

/** This instance's place among the others (docs/scaling.md), for every module. */
@Global()
@Module({
  providers: [
    {
      provide: ClusterRole,
      useFactory: (config: AppConfig) => new SoleInstance(config.cluster.instanceId),
      inject: [APP_CONFIG],
    },
    { provide: ClusterSignals, useClass: NoOtherInstances },
  ],
  exports: [ClusterRole, ClusterSignals],
})
export class ClusterModule {}

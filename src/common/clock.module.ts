import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';

/** The one Clock of the application, for every module (tests build services with a fake one). */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class ClockModule {}

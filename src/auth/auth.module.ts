import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { DashboardSignIn } from './dashboard-sign-in.service.js';
import { SignInController } from './sign-in.controller.js';

@Global()
@Module({
  controllers: [SignInController],
  providers: [AuthService, DashboardSignIn, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}

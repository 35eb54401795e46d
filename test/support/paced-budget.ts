import { jest } from '@jest/globals';
import { Registry } from 'prom-client';
import { MemoryRateLimiter } from '../../src/cluster/shared-rate-limiter.js';
import type { RequestClaim } from '../../src/xassist/xassist-client.port.js';
import { PacedXAssistBudget } from '../../src/xassist/xassist-budget.js';
import { XAssistBudgetMetrics } from '../../src/xassist/xassist-metrics.js';
import { FakeClock } from './fake-clock.js';
import { capturedLogger } from './log-capture.js';

export interface Grant {
  name: string;
  at: number;
}

/**
 * A budget of `perSecond` on the fake clock, and the grants it made, in order: `ask` spends a slot
 * that records its grant and answers the request's name.
 */
export function aBudget(perSecond: number, start?: number) {
  const clock = new FakeClock(start);
  const limiter = new MemoryRateLimiter(clock);
  const tryTake = jest.spyOn(limiter, 'tryTake');
  const { logger, lines } = capturedLogger();
  const registry = new Registry();
  const budget = new PacedXAssistBudget(
    perSecond,
    limiter,
    clock,
    logger,
    new XAssistBudgetMetrics(registry),
  );
  const grants: Grant[] = [];
  const ask = (name: string, claim: RequestClaim, ready?: () => boolean, signal?: AbortSignal) =>
    budget.spend({ claim, ...(ready ? { ready } : {}), ...(signal ? { signal } : {}) }, () => {
      grants.push({ name, at: clock.now() });
      return Promise.resolve(name);
    });
  const intervalMs = 1050 / perSecond;
  return { clock, budget, grants, ask, lines, registry, tryTake, intervalMs };
}

export const names = (grants: Grant[]) => grants.map((grant) => grant.name);

/** The time between each grant and the one before it. */
export function gapsOf(grants: Grant[]): number[] {
  return grants.slice(1).map((grant, i) => grant.at - grants[i].at);
}

import { Counter, Gauge, type Registry } from 'prom-client';
import type { RequestPriority, XAssistBudgetState } from './xassist-client.port.js';

const PRIORITIES: readonly RequestPriority[] = ['create', 'ringing', 'connected', 'background'];

/**
 * What the xAssist request budget shows on /metrics (the broker's shared registry, like
 * calls/call-metrics.ts): the budget, the attempts this instance sent, and, read from the budget
 * when scraped, what waits, the current poll periods and whether polls are stretched.
 */
export class XAssistBudgetMetrics {
  private readonly requests: Counter<'priority'>;
  private state?: () => XAssistBudgetState;

  constructor(registry: Registry) {
    const registers = [registry];
    const current = () => this.state?.();
    this.requests = new Counter({
      name: 'broker_xassist_requests_total',
      help: 'HTTP attempts this instance sent to xAssist (retries and logins included), by the priority they claimed',
      labelNames: ['priority'] as const,
      registers,
    });
    new Gauge({
      name: 'broker_xassist_budget_requests_per_second',
      help: 'The request budget to xAssist, across all instances (XASSIST_MAX_REQUESTS_PER_SECOND)',
      registers,
      collect() {
        const state = current();
        if (state) this.set(state.perSecond);
      },
    });
    new Gauge({
      name: 'broker_xassist_budget_waiting',
      help: 'Requests waiting for a slot of the xAssist request budget now, by priority',
      labelNames: ['priority'] as const,
      registers,
      collect() {
        const state = current();
        if (state)
          for (const priority of PRIORITIES) this.set({ priority }, state.waiting[priority]);
      },
    });
    new Gauge({
      name: 'broker_poll_period_seconds',
      help: "Recent mean time between a followed call's polls, by the call's priority (ringing, connected)",
      labelNames: ['priority'] as const,
      registers,
      collect() {
        const state = current();
        if (!state) return;
        for (const priority of ['ringing', 'connected'] as const) {
          const periodMs = state.periodsMs[priority];
          // No poll lately: no series, rather than a period of 0 that no call has.
          if (periodMs === undefined) this.remove({ priority });
          else this.set({ priority }, periodMs / 1000);
        }
      },
    });
    new Gauge({
      name: 'broker_xassist_budget_stretched',
      help: '1 while polls are granted later than their slowest cadence (the budget does not fit every followed call), else 0',
      registers,
      collect() {
        const state = current();
        if (state) this.set(state.stretched ? 1 : 0);
      },
    });
  }

  /** The budget whose state the gauges show when scraped. */
  observe(state: () => XAssistBudgetState): void {
    this.state = state;
  }

  sent(priority: RequestPriority): void {
    this.requests.inc({ priority });
  }
}

import { aBudget } from '../../test/support/paced-budget.js';
import { EARLY_MS } from './xassist-budget.js';

/** When the budget says polls are stretched, and when it stops saying so (budget-watch.ts). */
describe('stretching on the fake clock', () => {
  it('stretches every call by the same ratio when the slowest cadences do not fit', async () => {
    const { clock, budget, ask, lines } = aBudget(10); // 9.5 slots a second
    // 10 ringing calls (again 250 ms after each poll, slowest 1 s) and 10 connected ones
    // (again after 5 s, slowest 15 s) need at least 10.7 slots a second.
    const polls = new Map<string, number[]>();
    const follow = (name: string, priority: 'ringing' | 'connected', since: number) => {
      const [againMs, slowestMs] = priority === 'ringing' ? [250, 1_000] : [5_000, 15_000];
      void ask(name, { priority, since, slowestMs }).then(
        () => {
          const at = clock.now();
          polls.set(name, [...(polls.get(name) ?? []), at]);
          clock.setTimeout(() => follow(name, priority, at), againMs);
        },
        () => undefined,
      ); // refused by close(): the call is no longer followed
    };
    for (let i = 0; i < 10; i++) follow(`ringing${i}`, 'ringing', clock.now());
    for (let i = 0; i < 10; i++) follow(`connected${i}`, 'connected', clock.now());
    await clock.advance(120_000);

    const ratios = [...polls].map(([name, times]) => {
      const recent = times.filter((at) => at >= clock.now() - 60_000);
      const periodMs = (recent[recent.length - 1] - recent[0]) / (recent.length - 1);
      return periodMs / (name.startsWith('ringing') ? 1_000 : 15_000);
    });
    expect(Math.min(...ratios)).toBeGreaterThan(1);
    expect(Math.max(...ratios) / Math.min(...ratios)).toBeLessThan(1.25);
    expect(budget.state()).toMatchObject({ perSecond: 10, stretched: true });
    expect(budget.state().periodsMs.ringing).toBeGreaterThan(1_000);
    expect(lines.filter((line) => line.includes('polls are stretched'))).toHaveLength(1);
    budget.close();
  });

  it('says once when stretching ends, after the longest slowest cadence and a slot without an overdue poll', async () => {
    const { clock, budget, ask, lines, registry } = aBudget(10);
    // Neither is overdue when it asks; the connected poll, served second, is by then.
    void ask('late', { priority: 'connected', since: clock.now() - 14_950, slowestMs: 15_000 });
    void ask('on time too', { priority: 'ringing', since: clock.now() - 950, slowestMs: 1_000 });
    await clock.advance(200);
    expect(budget.state().stretched).toBe(true);
    expect(await registry.getSingleMetricAsString('broker_xassist_budget_stretched')).toMatch(
      /broker_xassist_budget_stretched 1$/m,
    );
    await clock.advance(10_000);
    void ask('on time', { priority: 'connected', since: clock.now() - 5_000, slowestMs: 15_000 });
    // The last overdue grant was 'late', one interval (105 ms, less EARLY_MS) after the
    // first: 15 s and one slot (105 ms) on from it, not before, stretching ends.
    await clock.advance(105 - EARLY_MS + 15_000 + 105 - 10_200 - 1);
    expect(budget.state().stretched).toBe(true);
    await clock.advance(1);
    expect(budget.state().stretched).toBe(false);
    expect(lines.filter((line) => line.includes('polls are stretched'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('no longer stretched'))).toHaveLength(1);
    const text = await registry.metrics();
    expect(text).toMatch(/broker_xassist_budget_stretched 0$/m);
    expect(text).toMatch(/broker_xassist_budget_requests_per_second 10$/m);
    expect(text).toMatch(/broker_xassist_requests_total\{priority="connected"\} 2$/m);
    expect(text).toMatch(/broker_poll_period_seconds\{priority="connected"\} 5$/m);
    expect(text).toMatch(/broker_xassist_budget_waiting\{priority="create"\} 0$/m);
  });

  it('does not count a retry late for its cadence', async () => {
    const { clock, budget } = aBudget(10);
    const since = clock.now() - 5_000;
    await budget.spend(
      { claim: { priority: 'ringing', since, slowestMs: 1_000 }, retry: true },
      () => Promise.resolve(),
    );
    expect(budget.state()).toMatchObject({ stretched: false, periodsMs: {} });
  });
});

describe('what counts as stretched', () => {
  it('not a poll that was overdue before it asked (its previous answer was slow), granted at once', async () => {
    const { clock, budget, ask } = aBudget(20);
    await ask('slow answer before', {
      priority: 'ringing',
      since: clock.now() - 5_000,
      slowestMs: 1_000,
    });
    expect(budget.state().stretched).toBe(false);
    budget.close();
  });

  it('says so once while a budget too small for one call stretches every poll of it', async () => {
    // B = 1: slots 1,050 ms apart, so a ringing call polled as often as it can be is overdue by
    // 50 ms each time; between two such polls more than its slowest cadence goes by.
    const { clock, budget, ask, lines } = aBudget(1);
    let polledAt = clock.now();
    await ask('first', { priority: 'background' });
    for (let poll = 0; poll < 10; poll++) {
      const granted = ask(`poll ${poll}`, {
        priority: 'ringing',
        since: polledAt,
        slowestMs: 1_000,
      });
      await clock.advance(1_050);
      await granted;
      polledAt = clock.now();
    }
    expect(budget.state().stretched).toBe(true);
    expect(lines.filter((line) => line.includes('polls are stretched'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('no longer stretched'))).toHaveLength(0);
    budget.close();
  });
});

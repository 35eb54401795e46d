import { compareUrgency, mostUrgent, overdueRatio, type BudgetWaiter } from './budget-order.js';

const NOW = 100_000;

function waiter(
  name: string,
  priority: BudgetWaiter['priority'],
  since: number,
  order: number,
  slowestMs?: number,
): BudgetWaiter & { name: string } {
  return { name, priority, since, order, ...(slowestMs === undefined ? {} : { slowestMs }) };
}

function ordered(waiters: (BudgetWaiter & { name: string })[]): string[] {
  return [...waiters].sort((a, b) => compareUrgency(a, b, NOW)).map((w) => w.name);
}

describe('the order of the budget', () => {
  it('serves creates, then ringing, then connected, then background', () => {
    expect(
      ordered([
        waiter('background', 'background', NOW - 9_000, 0),
        waiter('connected', 'connected', NOW - 9_000, 1, 15_000),
        waiter('ringing', 'ringing', NOW - 500, 2, 1_000),
        waiter('create', 'create', NOW, 3),
      ]),
    ).toEqual(['create', 'ringing', 'connected', 'background']);
  });

  it("serves a call's first poll right after creates, before overdue and older polls", () => {
    expect(
      ordered([
        waiter('overdue', 'ringing', NOW - 9_000, 0, 1_000),
        { ...waiter('first look', 'ringing', NOW, 1, 1_000), firstPoll: true },
        waiter('create', 'create', NOW, 2),
        {
          ...waiter('first look of a connected call', 'connected', NOW, 3, 15_000),
          firstPoll: true,
        },
      ]),
    ).toEqual(['create', 'first look', 'first look of a connected call', 'overdue']);
  });

  it('serves creates first come, first served, whatever their since', () => {
    expect(
      ordered([
        waiter('second', 'create', NOW - 10, 2),
        waiter('first', 'create', NOW, 1),
        waiter('third', 'create', NOW - 50_000, 3, 10),
      ]),
    ).toEqual(['first', 'second', 'third']);
  });

  it('serves the call polled longest ago first within a priority, then the earlier arrival', () => {
    expect(
      ordered([
        waiter('recent', 'ringing', NOW - 300, 0, 1_000),
        waiter('oldest', 'ringing', NOW - 900, 1, 1_000),
        waiter('tie-late', 'ringing', NOW - 600, 3, 1_000),
        waiter('tie-early', 'ringing', NOW - 600, 2, 1_000),
      ]),
    ).toEqual(['oldest', 'tie-early', 'tie-late', 'recent']);
  });

  it('puts overdue requests before ringing ones, the most overdue by ratio first', () => {
    expect(
      ordered([
        waiter('ringing', 'ringing', NOW - 900, 0, 1_000),
        // 20 s over a slowest of 15 s: 1.33 x.
        waiter('connected-late', 'connected', NOW - 20_000, 1, 15_000),
        // 1.5 s over a slowest of 1 s: 1.5 x, the most overdue though it waited least.
        waiter('ringing-late', 'ringing', NOW - 1_500, 2, 1_000),
        // 12 s over 10 s: 1.2 x.
        waiter('listing-late', 'background', NOW - 12_000, 3, 10_000),
        waiter('create', 'create', NOW, 4),
      ]),
    ).toEqual(['create', 'ringing-late', 'connected-late', 'listing-late', 'ringing']);
  });

  it('counts a request as overdue from exactly its slowest cadence, never a create', () => {
    expect(overdueRatio(waiter('a', 'ringing', NOW - 999, 0, 1_000), NOW)).toBeUndefined();
    expect(overdueRatio(waiter('b', 'ringing', NOW - 1_000, 0, 1_000), NOW)).toBe(1);
    expect(overdueRatio(waiter('c', 'background', NOW - 99_000, 0), NOW)).toBeUndefined();
    expect(overdueRatio(waiter('d', 'create', NOW - 99_000, 0, 10), NOW)).toBeUndefined();
  });
});

describe('mostUrgent', () => {
  const waiters = [
    waiter('connected', 'connected', NOW - 5_000, 0, 15_000),
    waiter('ringing', 'ringing', NOW - 400, 1, 1_000),
    waiter('create', 'create', NOW, 2),
  ];

  it('picks the first in the order', () => {
    expect(mostUrgent(waiters, NOW)?.name).toBe('create');
  });

  it('skips the waiters that cannot use a slot now', () => {
    const notReady = new Set(['create', 'ringing']);
    expect(mostUrgent(waiters, NOW, (w) => !notReady.has(w.name))?.name).toBe('connected');
    expect(mostUrgent(waiters, NOW, () => false)).toBeUndefined();
    expect(mostUrgent([], NOW)).toBeUndefined();
  });

  it('asks only the waiters that would come before the best so far whether they are ready', () => {
    const asked: string[] = [];
    mostUrgent(waiters, NOW, (w) => (asked.push(w.name), true));
    expect(asked).toEqual(['connected', 'ringing', 'create']);
    asked.length = 0;
    mostUrgent([...waiters].reverse(), NOW, (w) => (asked.push(w.name), true));
    expect(asked).toEqual(['create']);
  });
});

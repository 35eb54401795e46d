import { OutboxBench, message } from '../../test/support/outbox-bench.js';
import type { OutboxSender } from './outbox-sender.js';
import type { AttemptOutcome, Delivery } from './outbox.model.js';

/** A sender that records when each delivery went out, after the dispatcher's pacing. */
class TimedSender implements OutboxSender {
  readonly policy = {
    retry: { maxAttempts: 3, retryBaseMs: 1_000, retryMaxMs: 4_000 },
    ttlMs: 3_600_000,
  };
  readonly sentAt: number[] = [];

  constructor(private readonly now: () => number) {}

  async gone(): Promise<void> {}

  async deliver(_delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome> {
    await paced();
    this.sentAt.push(this.now());
    return { status: 'sent' };
  }
}

describe("the outbox's pacing per destination", () => {
  it('never sends two closer than 1/rate, even when a pacing wait ends late (a busy event loop)', async () => {
    const bench = await OutboxBench.open({ WEBHOOK_RATE_PER_SECOND: '5' });
    const { clock } = bench;
    // The first wait for a slot (200 ms at 5 a second) fires 150 ms late, as a timer does
    // behind a long task. A slot reserved for then and sent late lands beside the next one.
    const setTimer = clock.setTimeout.bind(clock);
    let lagged = false;
    clock.setTimeout = (callback, delayMs) => {
      const late = !lagged && delayMs >= 150 && delayMs <= 250;
      if (late) lagged = true;
      return setTimer(callback, delayMs + (late ? 150 : 0));
    };
    const sender = new TimedSender(() => clock.now());
    await bench.build({ webhook: sender });
    await bench.add(...['a', 'b', 'c', 'd', 'e'].map((call) => message(`${call}1`, call, 1)));
    bench.sut.start();
    await clock.advance(3_000);
    expect(lagged).toBe(true);
    expect(sender.sentAt).toHaveLength(5);
    const sorted = [...sender.sentAt].sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(200);
    await bench.close();
  });
});

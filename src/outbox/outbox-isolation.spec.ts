import type { FakeClock } from '../../test/support/fake-clock.js';
import { message, OutboxBench, POLICY } from '../../test/support/outbox-bench.js';
import type { OutboxStore } from './kysely-outbox.store.js';
import type { OutboxSender } from './outbox-sender.js';
import type { AttemptOutcome, Delivery, OutboxMessage } from './outbox.model.js';

/** Per destination: answers at once, fails at once, or never answers (until `releaseHung`). */
class DestinationSender implements OutboxSender {
  readonly policy = POLICY;
  readonly sent: Array<{ id: string; destinationId: string }> = [];
  readonly behaviour = new Map<string, 'ok' | 'fail' | 'hang'>();
  private readonly hung: Array<() => void> = [];

  get hanging(): number {
    return this.hung.length;
  }

  async gone(): Promise<void> {}

  async deliver(delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome> {
    await paced();
    this.sent.push({ id: delivery.id, destinationId: delivery.destinationId });
    const behaviour = this.behaviour.get(delivery.destinationId) ?? 'ok';
    if (behaviour === 'fail') return { status: 'retry', afterMs: 0, reason: 'refused' };
    if (behaviour === 'hang') {
      await new Promise<void>((resolve) => this.hung.push(resolve));
      return { status: 'retry', afterMs: 0, reason: 'the receiver did not answer in time' };
    }
    return { status: 'sent' };
  }

  to(destinationId: string): string[] {
    return this.sent.filter((s) => s.destinationId === destinationId).map((s) => s.id);
  }

  releaseHung(): void {
    for (const resolve of this.hung.splice(0)) resolve();
  }
}

describe('OutboxDispatcher keeps destinations apart', () => {
  let bench: OutboxBench;
  let store: OutboxStore;
  let clock: FakeClock;
  const sut = () => bench.sut;
  const add = (...messages: OutboxMessage[]) => bench.add(...messages);

  beforeEach(async () => {
    bench = await OutboxBench.open();
    ({ store, clock } = bench);
  });
  afterEach(() => bench.close());

  describe('isolates destinations', () => {
    let destinations: DestinationSender;

    beforeEach(async () => {
      destinations = new DestinationSender();
      await bench.build({ webhook: destinations });
    });
    afterEach(() => destinations.releaseHung());

    it("delivers another destination's rows while a dead receiver's first attempt still hangs", async () => {
      destinations.behaviour.set('dead', 'hang');
      // Ten rows of one call: each becomes due only after the one before it, so each needs a
      // claim of its own, made while the dead receiver's attempts are still under way.
      const live = Array.from({ length: 10 }, (_, i) => message(`l${i + 1}`, 'l', i + 1, 'live'));
      const dead = Array.from({ length: 6 }, (_, i) => message(`d${i}`, `d${i}`, 1, 'dead'));
      await add(...dead, ...live);
      sut().start();
      await clock.advance(100);
      expect(destinations.to('live')).toEqual(live.map((row) => row.id));
      // The dead receiver holds only its own slots (WEBHOOK_CONCURRENCY_PER_DESTINATION), and
      // its first attempts have not ended.
      expect(destinations.to('dead')).toHaveLength(2);
      expect(destinations.hanging).toBe(2);
      expect((await store.find('d0'))?.attempts).toBe(0);
    });

    it("opens a failing destination's circuit: no attempts while open, then one trial at a time", async () => {
      destinations.behaviour.set('down', 'fail');
      await add(...Array.from({ length: 8 }, (_, i) => message(`x${i}`, `x${i}`, 1, 'down')));
      await add(message('ok1', 'o', 1, 'up'));
      sut().start();
      await clock.advance(100);
      // Five failures in a row (WEBHOOK_CIRCUIT_FAILURES) open it, the sixth was already in
      // flight beside the fifth (two per destination); the other rows wait untried.
      expect(destinations.to('down')).toHaveLength(6);
      expect(destinations.to('up')).toEqual(['ok1']);
      const untried = await store.find('x7');
      expect(untried).toMatchObject({ status: 'pending', attempts: 0 });
      expect(Date.parse(untried!.nextAttemptAt)).toBeGreaterThanOrEqual(clock.now() + 9_000);
      await clock.advance(9_000);
      expect(destinations.to('down')).toHaveLength(6);
      // Half-open: one trial; it fails, so the circuit opens again, for twice as long.
      await clock.advance(1_500);
      expect(destinations.to('down')).toHaveLength(7);
      await clock.advance(15_000);
      expect(destinations.to('down')).toHaveLength(7);
      // The receiver is back: the next trial succeeds and closes the circuit; the rest follow.
      destinations.behaviour.set('down', 'ok');
      await clock.advance(10_000);
      const delivered = await store.list({ status: 'delivered', ownerId: null, limit: 100 });
      expect(delivered.filter((row) => row.destinationId === 'down')).toHaveLength(8);
    });
  });
  it('idle() waits for the send under way and a round that finds nothing due; a later retry does not count', async () => {
    const hanging = new DestinationSender();
    hanging.behaviour.set('hook-1', 'hang');
    await bench.build({ webhook: hanging });
    await add(message('a1', 'a', 1));
    sut().start();
    let idle = false;
    void sut()
      .idle()
      .then(() => (idle = true));
    await clock.advance(0);
    expect([hanging.to('hook-1'), idle]).toEqual([['a1'], false]);
    hanging.releaseHung(); // answered: a retry, due in about a second
    await clock.advance(0);
    expect(idle).toBe(true);
    expect((await store.find('a1'))?.status).toBe('pending');
  });
});

import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordedSignals } from '../../test/support/cluster-role.js';
import { CoalescedSignal } from './coalesced-signal.js';

describe('CoalescedSignal', () => {
  let clock: FakeClock;
  let signals: RecordedSignals;
  let wake: CoalescedSignal<'outbox.wake'>;

  beforeEach(() => {
    clock = new FakeClock();
    signals = new RecordedSignals();
    wake = new CoalescedSignal(signals, clock, 'outbox.wake', {}, 50);
  });

  it('sends the first wake-up at once and a burst after it as one, at the end of the period', async () => {
    wake.tell();
    expect(signals.published).toEqual([{ topic: 'outbox.wake', payload: {} }]);
    for (let i = 0; i < 10; i++) wake.tell();
    await clock.advance(49);
    expect(signals.published).toHaveLength(1);
    await clock.advance(1);
    expect(signals.published).toHaveLength(2);
    await clock.advance(500);
    expect(signals.published).toHaveLength(2);
  });

  it('sends at once again when the last wake-up is a whole period old', async () => {
    wake.tell();
    await clock.advance(50);
    wake.tell();
    expect(signals.published).toHaveLength(2);
  });

  it('drops the pending wake-up when cancelled', async () => {
    wake.tell();
    wake.tell();
    wake.cancel();
    await clock.advance(100);
    expect(signals.published).toHaveLength(1);
  });
});

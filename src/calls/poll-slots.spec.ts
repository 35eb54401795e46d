import { FakeClock } from '../../test/support/fake-clock.js';
import { PollSlots, type AttemptPace } from './poll-slots.js';

/** A job that runs until the test lets it finish. */
function held(): { promise: Promise<void>; release: () => void; started: boolean } {
  let release!: () => void;
  const job = {
    started: false,
    release: () => release(),
    promise: new Promise<void>((resolve) => (release = resolve)),
  };
  return job;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const SLOW_MS = 300;
const healthy = (): AttemptPace => ({ slow: false });
const slowCall = (): AttemptPace => ({ slow: true });

describe('PollSlots', () => {
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock()));
  /** An attempt that answers after `ms` on the fake clock. */
  const answersAfter = (ms: number) => () =>
    new Promise<string>((resolve) => clock.setTimeout(() => resolve('answered'), ms));

  it('never runs more attempts than its limit', async () => {
    const sut = new PollSlots(2, SLOW_MS, clock);
    const jobs = [held(), held(), held()];
    const runs = jobs.map((job) =>
      sut.run(healthy(), async () => {
        job.started = true;
        await job.promise;
      }),
    );
    await settle();
    expect(jobs.map((job) => job.started)).toEqual([true, true, false]);
    jobs[0].release();
    await settle();
    expect(jobs[2].started).toBe(true);
    jobs.forEach((job) => job.release());
    await Promise.all(runs);
    expect(sut.inUse).toBe(0);
  });

  it('keeps a quarter of the slots for calls that are not slow', async () => {
    const sut = new PollSlots(4, SLOW_MS, clock);
    expect(sut.reserve).toBe(1);
    const slow = Array.from({ length: 6 }, () => held());
    const runs = slow.map((job) =>
      sut.run(slowCall(), async () => {
        job.started = true;
        await job.promise;
      }),
    );
    await settle();
    expect(slow.filter((job) => job.started)).toHaveLength(3);
    expect(sut.queued).toBe(3);

    // A healthy call's attempt passes the queued slow ones and takes the reserved slot.
    await expect(sut.run(healthy(), async () => 'answered')).resolves.toBe('answered');
    slow.forEach((job) => job.release());
    await Promise.all(runs);
    expect(slow.every((job) => job.started)).toBe(true);
  });

  it('frees the slot when an attempt fails, and the call counts as slow', async () => {
    const sut = new PollSlots(1, SLOW_MS, clock);
    const pace = healthy();
    await expect(sut.run(pace, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(pace.slow).toBe(true);
    await expect(sut.run(pace, async () => 'ok')).resolves.toBe('ok');
    expect(sut.reserve).toBe(0);
  });

  it('counts a call slow from an attempt over the threshold until one answers within it', async () => {
    const sut = new PollSlots(4, SLOW_MS, clock);
    const pace = healthy();
    const slowAnswer = sut.run(pace, answersAfter(SLOW_MS + 1));
    await settle();
    expect(pace.slow).toBe(true); // under way: a hanging attempt counts as slow already
    await clock.advance(SLOW_MS + 1);
    await expect(slowAnswer).resolves.toBe('answered');
    expect(pace.slow).toBe(true); // it answered, but slowly: still slow

    const fastAnswer = sut.run(pace, answersAfter(SLOW_MS));
    await clock.advance(SLOW_MS);
    await fastAnswer;
    expect(pace.slow).toBe(false);
  });

  it('6 slow calls that keep answering never hold the reserved slot: a healthy attempt never waits (4 slots)', async () => {
    const sut = new PollSlots(4, SLOW_MS, clock);
    const slow = Array.from({ length: 6 }, () => healthy()); // not known to be slow yet
    let stopped = false;
    let mostSlowInUse = 0;
    // Each slow call polls again as soon as its previous attempt answered, after 800 ms.
    const loops = slow.map(async (pace) => {
      while (!stopped) {
        await sut.run(pace, answersAfter(800));
        mostSlowInUse = Math.max(mostSlowInUse, sut.inUseBySlow);
      }
    });
    // Not known to be slow yet, their first attempts took every slot (the reserved one too), two
    // of them only after the first four answered: by 1.6 s each has answered slowly once.
    await clock.advance(2_000);
    expect(slow.every((pace) => pace.slow)).toBe(true);
    expect(sut.inUseBySlow).toBe(3);

    const healthyCall = healthy();
    for (let poll = 0; poll < 40; poll++) {
      let started = false;
      const attempt = sut.run(healthyCall, async () => {
        started = true;
        return 'answered';
      });
      expect(started).toBe(true); // it took a slot at once: it did not queue behind slow attempts
      await attempt;
      expect(sut.inUse - sut.inUseBySlow).toBe(0); // every slot in use is a slow call's
      expect(sut.inUseBySlow).toBeLessThanOrEqual(sut.limit - sut.reserve);
      await clock.advance(50);
    }
    expect(healthyCall.slow).toBe(false);
    expect(mostSlowInUse).toBe(3);
    stopped = true;
    await clock.advance(2_000);
    await Promise.all(loops);
  });
});

describe('PollSlots.admits', () => {
  it('says whether an attempt would start at once: not when full, nor a slow one in the reserve', async () => {
    const sut = new PollSlots(4, SLOW_MS, new FakeClock());
    const jobs = Array.from({ length: 4 }, () => held());
    const runs = jobs.slice(0, 3).map((job) => sut.run(slowCall(), () => job.promise));
    await settle();
    expect(sut.admits(healthy())).toBe(true);
    expect(sut.admits(slowCall())).toBe(false); // the last slot is the reserved one
    runs.push(sut.run(healthy(), () => jobs[3].promise));
    await settle();
    expect(sut.admits(healthy())).toBe(false);
    jobs[0].release();
    await runs[0];
    expect(sut.admits(healthy())).toBe(true);
    expect(sut.admits(slowCall())).toBe(true);
    jobs.forEach((job) => job.release());
    await Promise.all(runs);
  });

  it('admits once closed, so that a waiting poll is refused at once instead of waiting', () => {
    const sut = new PollSlots(1, SLOW_MS, new FakeClock());
    void sut.run(healthy(), () => new Promise(() => undefined));
    expect(sut.admits(healthy())).toBe(false);
    sut.close();
    expect(sut.admits(healthy())).toBe(true);
  });
});

describe('PollSlots when closed', () => {
  it('refuses waiting and later attempts, and lets the running one finish', async () => {
    const sut = new PollSlots(1, SLOW_MS, new FakeClock());
    const running = held();
    const first = sut.run(healthy(), () => running.promise.then(() => 'finished'));
    const waiting = sut.run(healthy(), async () => 'never');
    await settle();
    sut.close();
    await expect(waiting).rejects.toThrow('poll slots are closed');
    await expect(sut.run(healthy(), async () => 'never')).rejects.toThrow('poll slots are closed');
    running.release();
    await expect(first).resolves.toBe('finished');
  });
});

import { PollSlots } from './poll-slots.js';

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

describe('PollSlots', () => {
  it('never runs more attempts than its limit', async () => {
    const sut = new PollSlots(2);
    const jobs = [held(), held(), held()];
    const runs = jobs.map((job) =>
      sut.run(false, async () => {
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

  it('keeps a quarter of the slots for calls whose attempts do not fail', async () => {
    const sut = new PollSlots(4);
    expect(sut.reserve).toBe(1);
    const failing = Array.from({ length: 6 }, () => held());
    const runs = failing.map((job) =>
      sut.run(true, async () => {
        job.started = true;
        await job.promise;
      }),
    );
    await settle();
    expect(failing.filter((job) => job.started)).toHaveLength(3);
    expect(sut.queued).toBe(3);

    // A healthy call's attempt passes the queued failing ones and takes the reserved slot.
    await expect(sut.run(false, async () => 'answered')).resolves.toBe('answered');
    failing.forEach((job) => job.release());
    await Promise.all(runs);
    expect(failing.every((job) => job.started)).toBe(true);
  });

  it('frees the slot when an attempt fails', async () => {
    const sut = new PollSlots(1);
    await expect(sut.run(false, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sut.run(true, async () => 'ok')).resolves.toBe('ok');
    expect(sut.reserve).toBe(0);
  });
});

describe('PollSlots when closed', () => {
  it('refuses waiting and later attempts, and lets the running one finish', async () => {
    const sut = new PollSlots(1);
    const running = held();
    const first = sut.run(false, () => running.promise.then(() => 'finished'));
    const waiting = sut.run(false, async () => 'never');
    await settle();
    sut.close();
    await expect(waiting).rejects.toThrow('poll slots are closed');
    await expect(sut.run(false, async () => 'never')).rejects.toThrow('poll slots are closed');
    running.release();
    await expect(first).resolves.toBe('finished');
  });
});

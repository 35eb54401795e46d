import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('never runs more than its limit at once and runs everything in order', async () => {
    const sut = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sut.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          order.push(i);
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toHaveLength(20);
    expect(sut.inUse).toBe(0);
  });

  it('frees its slot when a job fails', async () => {
    const sut = new Semaphore(1);
    await expect(sut.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sut.run(async () => 'ok')).resolves.toBe('ok');
  });
});

import { MessageType, type ClusterMessage } from 'socket.io-adapter';
import { capturedLogger } from '../../test/support/log-capture.js';
import { MissedBroadcasts, type PublishingAdapter } from './missed-broadcasts.js';

/** An adapter whose Redis is up or down, recording what reached the other instances. */
class FakeAdapter implements PublishingAdapter {
  redisUp = true;
  readonly published: ClusterMessage[] = [];

  doPublish(message: ClusterMessage): Promise<unknown> {
    if (!this.redisUp) return Promise.reject(new Error('Connection is closed.'));
    this.published.push(message);
    return Promise.resolve('1-0');
  }
}

const broadcast = (n: number) =>
  ({ type: MessageType.BROADCAST, data: { packet: { n }, opts: {} } }) as unknown as ClusterMessage;
const heartbeat = { type: MessageType.HEARTBEAT } as unknown as ClusterMessage;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('MissedBroadcasts: room emits made while Redis was away reach the other instances later', () => {
  it('keeps failed broadcasts (not heartbeats) and publishes them again in order once Redis is back', async () => {
    const adapter = new FakeAdapter();
    const missed = new MissedBroadcasts(capturedLogger('silent').logger);
    missed.watch(adapter);
    await adapter.doPublish(broadcast(1));
    adapter.redisUp = false;
    for (const message of [broadcast(2), heartbeat, broadcast(3)])
      await expect(adapter.doPublish(message)).rejects.toThrow('Connection is closed.');
    expect(missed.size).toBe(2);
    adapter.redisUp = true;
    missed.resend();
    await settle();
    expect(adapter.published).toEqual([broadcast(1), broadcast(2), broadcast(3)]);
    expect(missed.size).toBe(0);
  });

  it('keeps what fails again, and only the newest past its limit, saying so once', async () => {
    const adapter = new FakeAdapter();
    const { logger, lines } = capturedLogger('info');
    const missed = new MissedBroadcasts(logger, 2);
    missed.watch(adapter);
    adapter.redisUp = false;
    for (const n of [1, 2, 3, 4]) await adapter.doPublish(broadcast(n)).catch(() => undefined);
    expect(missed.size).toBe(2);
    expect(
      lines.filter((line) => /oldest missed socket events are dropped/.test(line)),
    ).toHaveLength(1);
    missed.resend(); // still down
    await settle();
    expect(missed.size).toBe(2);
    adapter.redisUp = true;
    missed.resend();
    await settle();
    expect(adapter.published).toEqual([broadcast(3), broadcast(4)]);
  });
});

import { Redis } from 'ioredis';
import { describeIf, requireRedis } from '../../test/support/environment.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { connectRedis, connectRedisListener } from './redis-connection.js';
import { RedisSignals } from './redis-signals.js';

declare module './cluster-signals.js' {
  interface ClusterSignalMap {
    'test.ping': { n: number };
    'test.other': { word: string };
  }
}

const redis = await requireRedis('RedisSignals against Redis');

/** Resolves with the next payload a handler is given. */
class Inbox<T> {
  readonly received: T[] = [];
  private waiters: Array<(value: T) => void> = [];

  readonly handler = (payload: T): void => {
    this.received.push(payload);
    for (const resolve of this.waiters.splice(0)) resolve(payload);
  };

  next(): Promise<T> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

describeIf(redis)('RedisSignals (real Redis)', () => {
  const opened: Redis[] = [];
  const instances: RedisSignals[] = [];
  let prefix: string;
  let logs: string[];

  function instance(id: string): RedisSignals {
    const { logger, lines } = capturedLogger('info');
    logs = lines;
    const publisher = connectRedis(redis!.url, logger, `test:${id}`);
    const subscriber = connectRedisListener(redis!.url, logger, `test:${id}:signals`);
    opened.push(publisher);
    const signals = new RedisSignals(publisher, subscriber, id, prefix, logger);
    instances.push(signals);
    return signals;
  }

  /** Subscribed for real: Redis counts a subscriber on the topic's channel for each instance. */
  async function subscribed(topic: string, count: number): Promise<void> {
    const probe = new Redis(redis!.url);
    opened.push(probe);
    for (;;) {
      const [, n] = (await probe.pubsub('NUMSUB', `${prefix}signal:${topic}`)) as [string, number];
      if (n >= count) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  beforeEach(() => {
    prefix = redis!.uniquePrefix();
  });

  afterEach(async () => {
    for (const signals of instances.splice(0)) signals.onApplicationShutdown();
    for (const connection of opened.splice(0)) connection.disconnect();
  });

  it('delivers a typed payload to the other instances, never back to the sender', async () => {
    const a = instance('a');
    const b = instance('b');
    const atA = new Inbox<{ n: number }>();
    const atB = new Inbox<{ n: number }>();
    a.subscribe('test.ping', atA.handler);
    b.subscribe('test.ping', atB.handler);
    await subscribed('test.ping', 2);

    const first = atB.next();
    a.publish('test.ping', { n: 1 });
    expect(await first).toEqual({ n: 1 });
    // B's answer reaches A after A's own signal would have (one channel, in order): A only hears B.
    const answer = atA.next();
    b.publish('test.ping', { n: 2 });
    expect(await answer).toEqual({ n: 2 });
    expect(atA.received).toEqual([{ n: 2 }]);
    expect(atB.received).toEqual([{ n: 1 }]);
  });

  it('keeps topics apart', async () => {
    const a = instance('a');
    const b = instance('b');
    const pings = new Inbox<{ n: number }>();
    const others = new Inbox<{ word: string }>();
    b.subscribe('test.ping', pings.handler);
    b.subscribe('test.other', others.handler);
    await subscribed('test.other', 1);
    await subscribed('test.ping', 1);

    const other = others.next();
    a.publish('test.other', { word: 'hello' });
    expect(await other).toEqual({ word: 'hello' });
    expect(pings.received).toEqual([]);
  });

  it('ignores a malformed message with one log line and goes on', async () => {
    const a = instance('a');
    const b = instance('b');
    const atB = new Inbox<{ n: number }>();
    b.subscribe('test.ping', atB.handler);
    await subscribed('test.ping', 1);
    const raw = new Redis(redis!.url);
    opened.push(raw);
    await raw.publish(`${prefix}signal:test.ping`, 'not json {');
    await raw.publish(`${prefix}signal:test.ping`, JSON.stringify({ payload: { n: 0 } }));

    const good = atB.next();
    a.publish('test.ping', { n: 3 });
    expect(await good).toEqual({ n: 3 });
    expect(atB.received).toEqual([{ n: 3 }]);
    expect(logs.filter((line) => line.includes('ignored a malformed cluster signal'))).toHaveLength(
      2,
    );
  });

  it('never throws nor waits when Redis is away', async () => {
    const { logger } = capturedLogger('silent');
    // A port nothing listens on: the command connection fails every command at once.
    const publisher = connectRedis('redis://127.0.0.1:1', logger, 'test:away');
    const subscriber = connectRedisListener('redis://127.0.0.1:1', logger, 'test:away:signals');
    opened.push(publisher, subscriber);
    const signals = new RedisSignals(publisher, subscriber, 'away', prefix, logger);
    signals.subscribe('test.ping', () => undefined);
    expect(() => signals.publish('test.ping', { n: 1 })).not.toThrow();
    signals.onApplicationShutdown();
  });
});

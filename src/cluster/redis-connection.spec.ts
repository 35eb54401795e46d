import { describeIf, requireRedis } from '../../test/support/environment.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { connectRedis } from './redis-connection.js';

const redis = await requireRedis('the shared Redis connection');

describeIf(redis)('the shared Redis connection (real Redis behind a proxy)', () => {
  let proxy: TcpProxy;

  beforeEach(async () => {
    const target = new URL(redis!.url);
    proxy = await new TcpProxy({ host: target.hostname, port: Number(target.port) }).listen();
  });
  afterEach(() => proxy.close());

  it('fails a command when Redis silently stops answering, instead of waiting for ever', async () => {
    const { logger } = capturedLogger('silent');
    const connection = connectRedis(proxy.through(redis!.url), logger, 'test:blackhole');
    try {
      if (connection.status !== 'ready')
        await new Promise((resolve) => connection.once('ready', resolve));
      expect(await connection.ping()).toBe('PONG');
      await proxy.blackhole();
      // The rejection itself is the proof: without the command timeout the
      // ping would wait for ever and the test would hit jest's timeout.
      // How long it takes is not asserted; shared CI machines are too noisy.
      await expect(connection.ping()).rejects.toThrow(/timed out/i);
    } finally {
      connection.disconnect();
    }
  });
});

import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { XAssistConfig } from '../config/app-config.js';
import { XAssistTransport } from './xassist-transport.js';

describe('XAssistTransport', () => {
  it('has no free connection while every connection carries a request', async () => {
    const held: ServerResponse[] = [];
    const server = createServer((_request, response) => held.push(response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const transport = new XAssistTransport({
      baseUrl: `http://127.0.0.1:${port}/acme/`,
      maxConnections: 2,
      connectTimeoutMs: 1_000,
      requestTimeoutMs: 5_000,
    } as XAssistConfig);
    const send = () =>
      transport.request('GET', 'ping', 'ping', undefined, undefined, new AbortController().signal);
    try {
      expect(transport.hasFreeConnection()).toBe(true);
      const first = send();
      expect(transport.hasFreeConnection()).toBe(true);
      const second = send();
      expect(transport.hasFreeConnection()).toBe(false);
      while (held.length < 2) await once(server, 'request');
      for (const response of held) response.end('{}');
      await Promise.all([first, second]);
      expect(transport.hasFreeConnection()).toBe(true);
    } finally {
      await transport.close();
      server.close();
    }
  });
});

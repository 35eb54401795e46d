import { connect } from 'node:net';
import { BrokerHarness } from './support/broker-harness.js';

/** What a raw TCP client gets back before the server closes the connection. */
function rawExchange(port: number, send: (write: (text: string) => void) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.on('connect', () => send((text) => socket.write(text)));
  });
}

describe('the HTTP edge (issue 8, findings 4 and 8)', () => {
  const harness = new BrokerHarness({
    env: {
      HTTP_HEADERS_TIMEOUT_MS: '300',
      HTTP_REQUEST_TIMEOUT_MS: '600',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '2000',
    },
  });

  beforeAll(() => harness.start());
  afterAll(() => harness.stop());

  describe('finding 4: no token in the access log', () => {
    it('redacts token-like query parameters in every logged URL', async () => {
      const jwt = harness.token('sam');
      const other = harness.token('tom');
      const paths = [
        `/?token=${jwt}`,
        `/v1/calls?status=active&access_token=${jwt}`,
        `/v1/session?id_token=${jwt}&JWT=${other}`,
        `/dashboard/app.js?x=1&refresh_token=${other}#ignored`,
        `/v1/calls?%74oken=${other}`,
        `/v1/nowhere?note=${other}`,
        `/v1/calls/${jwt}`,
        `/${other}`,
        `/v1/calls?api-key=k3y-${jwt.slice(-12)}&X-Amz-Signature=s1g-${other.slice(-12)}`,
      ];
      const logged: string[] = [];
      for (const path of paths) {
        const { headers } = await harness.api('GET', path);
        logged.push(JSON.stringify(await harness.accessLine(headers.get('x-request-id')!)));
      }
      const secrets = [jwt, other, `k3y-${jwt.slice(-12)}`, `s1g-${other.slice(-12)}`];
      const leaks = harness.log.lines.filter((line) => secrets.some((s) => line.includes(s)));
      expect(leaks).toEqual([]);
      expect(logged.join('\n')).toContain('/v1/calls?status=active&access_token=[redacted]');
      expect(logged.join('\n')).toContain('"/v1/calls/[redacted]"');
    });
  });

  describe('finding 8: security headers', () => {
    it('sends nosniff, no framing, no referrer on every answer, and no-store on authenticated JSON', async () => {
      const session = await harness.api('GET', '/v1/session', { as: 'sam' });
      const refused = await harness.api('GET', '/v1/calls');
      const health = await harness.api('GET', '/healthz');
      for (const { headers } of [session, refused, health]) {
        expect(headers.get('x-content-type-options')).toBe('nosniff');
        expect(headers.get('x-frame-options')).toBe('DENY');
        expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(headers.get('referrer-policy')).toBe('no-referrer');
      }
      expect(session.headers.get('cache-control')).toBe('no-store');
      expect(refused.headers.get('cache-control')).toBe('no-store');
    });

    it('gives the dashboard a strict CSP: its own scripts and styles, nothing inline', async () => {
      const page = await harness.api('GET', '/');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/style-src 'self'(;|$)/);
      expect(csp).toMatch(/connect-src 'self'/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      // What the browser test (test/dashboard.e2e-spec.ts) checks live: nothing inline to block.
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    });
  });

  describe("finding 8: socket.io's own answers", () => {
    it('sends nosniff, no framing and no-store on long-polling answers and engine refusals', async () => {
      const get = (query: string) => fetch(`${harness.url}/socket.io/?${query}`);
      const handshake = await get('EIO=4&transport=polling');
      expect(handshake.status).toBe(200);
      const { sid } = JSON.parse((await handshake.text()).slice(1)) as { sid: string };
      const post = await fetch(`${harness.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: 'POST',
        body: '1', // engine.io's close packet, so the session ends
      });
      const oldProtocol = await get('EIO=3&transport=polling');
      const unknownSession = await get('EIO=4&transport=polling&sid=no-such-session');
      expect([post.status, oldProtocol.status, unknownSession.status]).toEqual([200, 400, 400]);
      for (const { headers } of [handshake, post, oldProtocol, unknownSession]) {
        expect(headers.get('x-content-type-options')).toBe('nosniff');
        expect(headers.get('x-frame-options')).toBe('DENY');
        expect(headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
        expect(headers.get('referrer-policy')).toBe('no-referrer');
        expect(headers.get('cache-control')).toBe('no-store');
      }
    });
  });

  describe('finding 8: slow clients', () => {
    it('answers 408 and closes a connection that never finishes its headers', async () => {
      const answer = await rawExchange(harness.port, (write) =>
        write('GET /healthz HTTP/1.1\r\nHost: broker\r\nX-Slow: '),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    });

    it('answers 408 and closes a request whose body never arrives', async () => {
      const answer = await rawExchange(harness.port, (write) =>
        write(
          'POST /v1/calls HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\n' +
            'Content-Length: 100\r\n\r\n{"title":',
        ),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    });

    it('tells keep-alive clients the configured idle time', async () => {
      const answer = await harness.api('GET', '/healthz');
      expect(answer.headers.get('keep-alive')).toBe('timeout=2');
    });
  });
});

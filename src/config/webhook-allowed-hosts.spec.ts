import { ConfigError, loadConfig } from './app-config.js';

const allowed = (value: string) =>
  loadConfig({ WEBHOOK_ALLOWED_HOSTS: value }).webhooks.allowedHosts;

/** Issue 18 item 9: WEBHOOK_ALLOWED_HOSTS opens a host on one port, not on all of them. */
describe('WEBHOOK_ALLOWED_HOSTS', () => {
  it('reads host:port, [IPv6]:port and bare hosts, normalised', () => {
    expect(
      allowed(' 127.0.0.1:8080 , Hooks.Internal:0443, [0:0::1]:9, [::1], fe80::1:80, localhost'),
    ).toEqual([
      '127.0.0.1:8080',
      'hooks.internal:443',
      '[::1]:9',
      '::1',
      'fe80::1:80',
      'localhost',
    ]);
  });

  it.each([
    '127.0.0.1:0',
    '127.0.0.1:65536',
    'hooks.internal:http',
    '[hooks.internal]:443',
    '[::1]:',
    '::1:x',
    'a b',
    '127.0.0.1,',
  ])('stops on %j with one line naming the variable and the form', (value) => {
    expect(() => allowed(value)).toThrow(ConfigError);
    expect(() => allowed(value)).toThrow(
      /^WEBHOOK_ALLOWED_HOSTS must be host:port, \[IPv6\]:port or host entries .*, got "/,
    );
  });
});

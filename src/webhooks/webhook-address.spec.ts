import { assertWebhookUrl, isPublicAddress } from './webhook-address.js';

const resolvesTo =
  (...addresses: string[]) =>
  async () =>
    addresses;

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
  ])('refuses %s', (address) => expect(isPublicAddress(address)).toBe(false));

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111'])('accepts %s', (address) =>
    expect(isPublicAddress(address)).toBe(true),
  );

  // Issue 18 item 9: IPv6 forms that carry an IPv4 address, or reach one through a relay.
  it.each([
    ['IPv4-compatible loopback', '::127.0.0.1'],
    ['IPv4-compatible loopback, hex', '::7f00:1'],
    ['IPv4-compatible private', '::10.0.0.1'],
    ['IPv4-compatible, any (::/96 is deprecated)', '::8.8.8.8'],
    ['6to4 of loopback', '2002:7f00:1::1'],
    ['6to4 of cloud metadata', '2002:a9fe:a9fe::'],
    ['6to4, any (2002::/16 relays to IPv4)', '2002:808:808::1'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['Teredo, shortest', '2001::1'],
    ['local-use NAT64 of a private address', '64:ff9b:1::a00:1'],
    ['local-use NAT64, any', '64:ff9b:1:ffff::808:808'],
    ['well-known NAT64 of metadata', '64:ff9b::169.254.169.254'],
    ['IPv4-translated (SIIT)', '::ffff:0:a00:1'],
    ['ISATAP with a private IPv4', '2a00:1450:4001::5efe:a00:1'],
    ['ISATAP (universal bit) with loopback', '2a00:1450:4001::200:5efe:7f00:1'],
    ['documentation', '2001:db8::1'],
    ['discard-only', '100::1'],
    ['benchmarking', '2001:2::1'],
  ])('refuses %s: %s', (_form, address) => expect(isPublicAddress(address)).toBe(false));

  it('accepts an ISATAP address whose IPv4 address is public', () =>
    expect(isPublicAddress('2a00:1450:4001::5efe:808:808')).toBe(true));
});

describe('assertWebhookUrl', () => {
  const status = async (promise: Promise<unknown>) =>
    promise.then(
      () => 200,
      (error: { httpStatus?: number }) => error.httpStatus ?? 500,
    );

  it('accepts a public https URL', async () => {
    const url = await assertWebhookUrl(
      'https://hooks.example.com/in',
      [],
      resolvesTo('93.184.216.34'),
    );
    expect(url.hostname).toBe('hooks.example.com');
  });

  it('refuses http, credentials, fragments and non-URLs with 400', async () => {
    for (const raw of [
      'http://hooks.example.com/',
      'https://u:p@hooks.example.com/',
      'https://a.example/#x',
      'hooks',
    ])
      expect(await status(assertWebhookUrl(raw, [], resolvesTo('93.184.216.34')))).toBe(400);
  });

  it('refuses with 422 a name that has any private address, or none', async () => {
    const mixed = resolvesTo('93.184.216.34', '10.0.0.5');
    expect(await status(assertWebhookUrl('https://inside.example/', [], mixed))).toBe(422);
    expect(await status(assertWebhookUrl('https://[::1]/', [], mixed))).toBe(422);
    const fails = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await status(assertWebhookUrl('https://nowhere.example/', [], fails))).toBe(422);
  });

  it.each([
    'https://[::127.0.0.1]/in',
    'https://[::a00:1]/in',
    'https://[2002:a00:1::1]/in',
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/in',
    'https://[64:ff9b:1::a9fe:a9fe]/in',
    'https://[2a00:1450:4001::5efe:c0a8:101]/in',
  ])('refuses with 422 the IPv6 form %s', async (raw) => {
    expect(await status(assertWebhookUrl(raw, [], resolvesTo('93.184.216.34')))).toBe(422);
  });

  it('refuses with 422 a name that resolves to such an IPv6 form', async () => {
    const sixToFour = resolvesTo('2002:7f00:1::1');
    expect(await status(assertWebhookUrl('https://hooks.example/', [], sixToFour))).toBe(422);
  });

  it('opens an allowed host only on its port: host:port, [v6]:port', async () => {
    const local = resolvesTo('127.0.0.1');
    expect(await status(assertWebhookUrl('http://127.0.0.1:9/x', ['127.0.0.1:9'], local))).toBe(
      200,
    );
    expect(await status(assertWebhookUrl('https://localhost:9/x', ['127.0.0.1:9'], local))).toBe(
      200,
    );
    expect(await status(assertWebhookUrl('http://[::1]:9/x', ['[::1]:9'], local))).toBe(200);
    // Another port of the same host is not allowed: http refused (400), the address refused (422).
    expect(await status(assertWebhookUrl('http://127.0.0.1:6379/', ['127.0.0.1:9'], local))).toBe(
      400,
    );
    expect(await status(assertWebhookUrl('https://127.0.0.1:6379/', ['127.0.0.1:9'], local))).toBe(
      422,
    );
    expect(await status(assertWebhookUrl('https://localhost:6379/x', ['127.0.0.1:9'], local))).toBe(
      422,
    );
    expect(await status(assertWebhookUrl('https://[::1]:6379/', ['[::1]:9'], local))).toBe(422);
  });

  it('opens a bare allowed host on the default port of the scheme only', async () => {
    const local = resolvesTo('127.0.0.1');
    expect(await status(assertWebhookUrl('http://127.0.0.1/x', ['127.0.0.1'], local))).toBe(200);
    expect(await status(assertWebhookUrl('https://127.0.0.1/x', ['127.0.0.1'], local))).toBe(200);
    expect(await status(assertWebhookUrl('https://localhost/x', ['127.0.0.1'], local))).toBe(200);
    expect(await status(assertWebhookUrl('http://127.0.0.1:443/x', ['127.0.0.1'], local))).toBe(
      400,
    );
    expect(await status(assertWebhookUrl('https://localhost:9/x', ['127.0.0.1'], local))).toBe(422);
  });

  // Issue 22: a local receiver was refused without naming the setting that lets it in.
  it.each([
    ['http://127.0.0.1:9/x', 400, '127.0.0.1:9'],
    ['https://127.0.0.1:9/x', 422, '127.0.0.1:9'],
    ['https://localhost:9/x', 422, 'localhost:9'],
    ['http://[::1]/x', 400, '[::1]:80'],
  ])(
    'refuses %s with %d naming WEBHOOK_ALLOWED_HOSTS and the entry %s',
    async (raw, code, entry) => {
      const refusal = await assertWebhookUrl(raw, [], resolvesTo('127.0.0.1')).then(
        () => undefined,
        (error: { httpStatus: number; message: string }) => error,
      );
      expect(refusal?.httpStatus).toBe(code);
      expect(refusal?.message).toContain(`add ${entry} to WEBHOOK_ALLOWED_HOSTS`);
    },
  );

  it('does not suggest plain http to a public host: https is the fix there', async () => {
    const refusal = await assertWebhookUrl(
      'http://erp.example.com/hooks',
      [],
      resolvesTo('93.184.216.34'),
    ).then(
      () => undefined,
      (error: { httpStatus: number; message: string }) => error,
    );
    expect(refusal?.httpStatus).toBe(400);
    expect(refusal?.message).toBe('url must use https, got http');
  });

  it('lets WEBHOOK_ALLOWED_HOSTS name exceptions, over http too', async () => {
    const local = resolvesTo('127.0.0.1');
    const allowed = ['127.0.0.1:9'];
    expect(await status(assertWebhookUrl('http://127.0.0.1:9/x', allowed, local))).toBe(200);
    expect(await status(assertWebhookUrl('https://localhost:9/x', allowed, local))).toBe(200);
    // http only for a host the list names itself
    expect(await status(assertWebhookUrl('http://localhost:9/x', allowed, local))).toBe(400);
    expect(await status(assertWebhookUrl('https://localhost:9/x', ['localhost:9'], local))).toBe(
      200,
    );
  });
});

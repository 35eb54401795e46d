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

  it('lets WEBHOOK_ALLOWED_HOSTS name exceptions, over http too', async () => {
    const local = resolvesTo('127.0.0.1');
    expect(await status(assertWebhookUrl('http://127.0.0.1:9/x', ['127.0.0.1'], local))).toBe(200);
    expect(await status(assertWebhookUrl('https://localhost:9/x', ['127.0.0.1'], local))).toBe(200);
    // http only for a host the list names itself
    expect(await status(assertWebhookUrl('http://localhost:9/x', ['127.0.0.1'], local))).toBe(400);
    expect(await status(assertWebhookUrl('https://localhost:9/x', ['localhost'], local))).toBe(200);
  });
});

import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signedHeaders } from './webhook-signature.js';

describe('webhook signatures', () => {
  it('verify with the standardwebhooks reference implementation', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'call.created', data: { n: 1 } });
    const headers = signedHeaders(secret, 'msg_1', Math.floor(Date.now() / 1000), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('match the reference signature byte for byte', () => {
    const secret = newWebhookSecret();
    const at = new Date('2026-12-02T10:00:00Z');
    const reference = new Webhook(secret).sign('msg_2', at, '{}');
    expect(signedHeaders(secret, 'msg_2', at.getTime() / 1000, '{}')['webhook-signature']).toBe(
      reference,
    );
  });
});

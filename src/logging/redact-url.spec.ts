import { redactUrl } from './redact-url.js';
import { signAcceptLink } from '../paging/accept-link.js';

describe('redactUrl', () => {
  it.each([
    ['/v1/calls', '/v1/calls'],
    ['/v1/calls?status=active&cursor=abc', '/v1/calls?status=active&cursor=abc'],
    ['/?token=abc.def', '/?token=[redacted]'],
    ['/?Access_Token=x&a=1', '/?Access_Token=[redacted]&a=1'],
    ['/?%74oken=x', '/?%74oken=[redacted]'],
    ['/?note=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2ln', '/?note=[redacted]'],
    ['/?token', '/?token'],
    ['/x?token=a#token=b', '/x?token=[redacted]'],
    ['/x#token=b', '/x'],
    ['/?token=%E0%A4%A', '/?token=[redacted]'],
  ])('%s -> %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    'api-key',
    'API_KEY',
    'apikey',
    'client_secret',
    'secret',
    'password',
    'PWD',
    'signature',
    'sig',
    'X-Amz-Signature',
    'code',
    'key',
  ])('redacts the %s query parameter', (name) => {
    expect(redactUrl(`/x?a=1&${name}=s3cr3t&b=2`)).toBe(`/x?a=1&${name}=[redacted]&b=2`);
  });

  it.each([
    ['/v1/calls/%J', '/v1/calls/[redacted]'],
    ['/%J', '/[redacted]'],
    ['/v1/calls/%J/events?status=active', '/v1/calls/[redacted]/events?status=active'],
    ['/v1/calls/%J?token=x', '/v1/calls/[redacted]?token=[redacted]'],
    ['/v1/calls/c-123/events', '/v1/calls/c-123/events'],
  ])('redacts JWT-shaped path segments: %s', (url, expected) => {
    expect(redactUrl(url.replace('%J', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2ln'))).toBe(
      expected,
    );
  });
});

describe('redactUrl and accept-link tokens', () => {
  const token = signAcceptLink('accept-link-key-for-unit-tests-0123456789', {
    callId: '6f1c2f4e-1b2a-4c3d-9e8f-0a1b2c3d4e5f',
    expertId: 'erika',
    expiresAtMs: 1_700_000_000_000,
  });

  it.each([
    ['/accept/%T', '/accept/[redacted]'],
    ['/accept/%T?x=1', '/accept/[redacted]?x=1'],
    ['/accept/%T/', '/accept/[redacted]/'],
    ['/?link=%T', '/?link=[redacted]'],
    ['/?next=%2Faccept%2F%T', '/?next=[redacted]'],
    ['/accept/x%T', '/accept/[redacted]'],
  ])('redacts accept tokens: %s', (url, expected) => {
    const logged = redactUrl(url.replace('%T', token));
    expect(logged).toBe(expected);
    expect(logged).not.toContain(token.split('.')[1]);
  });

  it('keeps ordinary paths with dots', () => {
    expect(redactUrl('/app.js')).toBe('/app.js');
    expect(redactUrl('/v1/calls/a.b')).toBe('/v1/calls/a.b');
  });
});

import { redactUrl } from './redact-url.js';

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

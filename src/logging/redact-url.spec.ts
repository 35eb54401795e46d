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
});

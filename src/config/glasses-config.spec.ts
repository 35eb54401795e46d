import { ConfigError, loadConfig } from './app-config.js';

describe('XASSIST_JOIN_URL_TEMPLATE', () => {
  it('is optional: no template, no joinUrl', () => {
    expect(loadConfig({}).glasses).toEqual({ joinUrlTemplate: null });
  });

  it('keeps a template with {callId} in an http(s) URL', () => {
    const template = 'https://frontline.example.com/acme/#/call/{callId}';
    expect(loadConfig({ XASSIST_JOIN_URL_TEMPLATE: template }).glasses).toEqual({
      joinUrlTemplate: template,
    });
  });

  it.each([
    ['https://frontline.example.com/acme/#/call/', /must contain \{callId\}/],
    ['https://frontline.example.com/acme/#/call/{callid}', /must contain \{callId\}/],
    ['frontline.example.com/{callId}', /must be an http or https URL/],
    ['javascript:alert({callId})', /must use http: or https:, got "javascript:"/],
    ['ftp://frontline.example.com/{callId}', /must use http: or https:/],
  ])('stops start-up on %j with one line naming the variable', (template, message) => {
    const load = () => loadConfig({ XASSIST_JOIN_URL_TEMPLATE: template });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^XASSIST_JOIN_URL_TEMPLATE /);
    expect(load).toThrow(message);
  });
});

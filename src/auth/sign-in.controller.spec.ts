import type { Request, Response } from 'express';
import { capturedLogger } from '../../test/support/log-capture.js';
import type { DashboardSignIn, SignInAnswer } from './dashboard-sign-in.service.js';
import { SignInUnavailableError } from './oidc-sign-in.js';
import { SignInController } from './sign-in.controller.js';

/** What the controller did to the response: status, headers and body. */
class RecordedResponse {
  statusCode = 200;
  headers = new Map<string, unknown>();
  body: unknown;
  status(code: number) {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: unknown) {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  type(value: string) {
    return this.setHeader('content-type', value);
  }
  send(body: unknown) {
    this.body = body;
    return this;
  }
  redirect(code: number, location: string) {
    this.statusCode = code;
    return this.setHeader('location', location);
  }
}

const request = { originalUrl: '/auth/callback?code=c&state=s', headers: {} } as Request;

function controllerWith(signIn: Partial<DashboardSignIn>) {
  const log = capturedLogger();
  const controller = new SignInController(signIn as DashboardSignIn, log.logger);
  return { controller, log };
}

describe('SignInController', () => {
  it('renders an unexpected failure of the callback as a generic 500 page, and logs it', async () => {
    const { controller, log } = controllerWith({
      callbackUrl: () => new URL('https://broker.acme.example/auth/callback'),
      callback: () => Promise.reject(new RangeError('something inside broke')),
    });
    const response = new RecordedResponse();
    await controller.callback(request, response as unknown as Response);
    expect(response.statusCode).toBe(500);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(response.body).toContain('Sign-in failed');
    expect(response.body).not.toContain('something inside broke');
    expect(log.lines.join('\n')).toContain('something inside broke');
  });

  it('renders a provider that cannot answer now as the 503 page, and logs the reason', async () => {
    const { controller, log } = controllerWith({
      callbackUrl: () => new URL('https://broker.acme.example/auth/callback'),
      callback: () =>
        Promise.reject(new SignInUnavailableError('not now', 'OAUTH_TIMEOUT: operation timed out')),
    });
    const response = new RecordedResponse();
    await controller.callback(request, response as unknown as Response);
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('Sign-in is not possible now');
    expect(log.lines.join('\n')).toContain('OAUTH_TIMEOUT: operation timed out');
  });

  it('sets the renewed cookie on a 503 from /auth/token, and logs the reason', async () => {
    const unavailable = new SignInUnavailableError(
      'not now',
      'the provider answered 429 slow_down',
    );
    unavailable.cookies = ['broker_session=renewed; Path=/auth'];
    const { controller, log } = controllerWith({
      token: (): Promise<SignInAnswer<never>> => Promise.reject(unavailable),
    });
    const response = new RecordedResponse();
    await expect(controller.token(request, response as unknown as Response)).rejects.toBe(
      unavailable,
    );
    expect(response.headers.get('set-cookie')).toEqual(['broker_session=renewed; Path=/auth']);
    expect(log.lines.join('\n')).toContain('the provider answered 429 slow_down');
  });
});

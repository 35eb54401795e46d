import {
  FLOW_COOKIE,
  SESSION_COOKIE,
  SignInCookieSealer,
  readCookies,
  setCookie,
  type SignInSession,
} from './sign-in-cookies.js';
import { escapeHtml, failurePage } from './sign-in.controller.js';

const sealer = new SignInCookieSealer('a-session-secret-of-at-least-32-bytes');
const NOW = 1_800_000_000_000;
const flow = { codeVerifier: 'v', state: 's', nonce: 'n', expiresAt: NOW + 600_000 };
const session: SignInSession = {
  refreshToken: 'a-refresh-token-the-browser-never-reads',
  idToken: 'id.token.here',
  personId: 'erika',
  expiresAt: NOW + 3_600_000,
};

describe('the sign-in cookies', () => {
  it('seal what only the broker can open again, until it expires', () => {
    // Each sealing has a fresh nonce, so the check runs on many. It looks for the whole token,
    // plain or base64-encoded: a two-letter token turned up in random ciphertext now and then.
    const readable = [
      session.refreshToken,
      Buffer.from(session.refreshToken).toString('base64url'),
    ];
    for (let sealing = 0; sealing < 500; sealing += 1) {
      const value = sealer.sealSession(session);
      for (const secret of readable) expect(value).not.toContain(secret);
    }
    const sealed = sealer.sealSession(session);
    expect(sealer.openSession(sealed, NOW)).toEqual(session);
    expect(sealer.openSession(sealed, session.expiresAt)).toBeUndefined();
    expect(sealer.openFlow(sealer.sealFlow(flow), NOW)).toEqual(flow);
    expect(sealer.openFlow(sealer.sealFlow(flow), flow.expiresAt)).toBeUndefined();
  });

  it('read a changed cookie, another key, another cookie or garbage as no cookie', () => {
    const sealed = sealer.sealSession(session);
    const changed = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherKey = new SignInCookieSealer('another-session-secret-of-32-bytes!!');
    expect(sealer.openSession(changed, NOW)).toBeUndefined();
    expect(otherKey.openSession(sealed, NOW)).toBeUndefined();
    // A flow cookie never opens as a session (the cookie's name is authenticated).
    expect(sealer.openSession(sealer.sealFlow(flow), NOW)).toBeUndefined();
    for (const garbage of [undefined, '', 'plain', 'enc:v1:s1:', 'enc:v1:zz:abc'])
      expect(sealer.openSession(garbage, NOW)).toBeUndefined();
  });

  it('drop the ID token rather than outgrow what a browser keeps (4 KB a cookie)', () => {
    const big = { ...session, idToken: 'x'.repeat(4000) };
    const sealed = sealer.sealSession(big);
    expect(sealed.length).toBeLessThanOrEqual(3800);
    expect(sealer.openSession(sealed, NOW)).toEqual({ ...session, idToken: undefined });
  });

  it('are HttpOnly and SameSite=Lax, Secure over https, and deleted with Max-Age=0', () => {
    expect(
      setCookie(SESSION_COOKIE, 'v', { maxAgeSeconds: 90.7, secure: true, path: '/auth' }),
    ).toBe('broker_session=v; Path=/auth; Max-Age=90; HttpOnly; SameSite=Lax; Secure');
    expect(setCookie(FLOW_COOKIE, '', { maxAgeSeconds: -5, secure: false, path: '/auth' })).toBe(
      'broker_signin_flow=; Path=/auth; Max-Age=0; HttpOnly; SameSite=Lax',
    );
  });

  it('are read from the Cookie header, the first of a repeated name, skipping odd pairs', () => {
    const cookies = readCookies('a=1; broker_session=enc:v1:s1:x=; junk; =no; a=2');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['broker_session', 'enc:v1:s1:x='],
    ]);
    expect(readCookies(undefined).size).toBe(0);
  });
});

describe('the sign-in failure page', () => {
  it("shows the provider's words as text, never as markup", () => {
    expect(escapeHtml(`<script>"x" & 'y'</script>`)).toBe(
      '&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;',
    );
    const page = failurePage('Sign-in was refused', 'Acme answered: <img src=x onerror=alert(1)>');
    expect(page).toContain('Acme answered: &lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img');
  });
});

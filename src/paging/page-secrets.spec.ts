import { SecretBox } from '../common/secret-box.js';
import { wipePageSecrets } from './page-secrets.js';
import type { PagePayload } from './paging.service.js';

const page: PagePayload = {
  title: 'Pump 7: xAssist is down, join the web meeting',
  lines: ['Technician: Tom', 'Password: s3cret'],
  mentions: [],
  links: [
    { label: 'Accept', path: '/accept/token' },
    { label: 'Join', url: 'https://cam.example/m/1' },
  ],
};

describe('wipePageSecrets', () => {
  it('keeps what the page was about and wipes its links and the meeting password', () => {
    expect(JSON.parse(wipePageSecrets(JSON.stringify(page)))).toEqual({
      ...page,
      lines: ['Technician: Tom', 'Password: (wiped once the page was sent)'],
      links: [],
    });
  });

  it('settles a page no configured key opens instead of throwing (the row could never settle)', () => {
    const box = new SecretBox([{ id: 'k1', key: Buffer.alloc(32, 1) }]);
    const sealed = box.seal(JSON.stringify(page), 'outbox.payload:page_1');
    const wiped = JSON.parse(wipePageSecrets(sealed)) as PagePayload;
    expect(wiped.links).toEqual([]);
    expect(JSON.stringify(wiped)).not.toContain('s3cret');
    expect(wiped.title).toMatch(/no configured DATA_ENCRYPTION_KEYS key opens/);
  });
});

import { EVIL, linksOf } from '../../test/support/reader-links.js';
import {
  renderCamBatch,
  renderCamMessage,
  renderDingTalk,
  renderRingCentralPost,
  renderRingCentralWebhook,
  renderTeamsCard,
} from './channel-renderers.js';
import { combineNotifications, type Notification } from './notification.js';

/** Every channel body the broker sends, seven kinds (and CAM's batch file). */
const BODIES: [string, (message: Notification) => unknown][] = [
  ['DingTalk text', (m) => renderDingTalk(m, 'text')],
  ['DingTalk markdown', (m) => renderDingTalk(m, 'markdown')],
  ['DingTalk actionCard', (m) => renderDingTalk(m, 'actionCard')],
  ['Chat&Messenger message', (m) => renderCamMessage(m, undefined)],
  ['RingCentral post', (m) => renderRingCentralPost(m)],
  ['RingCentral webhook', (m) => renderRingCentralWebhook(m)],
  ['Teams card', (m) => renderTeamsCard(m)],
  ['Chat&Messenger batch file', (m) => renderCamBatch([m])],
];

const BROKER = 'https://broker.acme.example';
/** Real token shapes: base64url, so most of them hold a `_` or a `-`. */
const links = [
  {
    label: 'Accept as Erika_Expert',
    url: `${BROKER}/accept/eyJjIjoiYzEiLCJlIjoi_ZXJpa2EifQ.abc_def-ghi_jkl`,
  },
  {
    label: 'Accept as Ed',
    url: `${BROKER}/accept/eyJjIjoiYzEiLCJlIjoiZWQifQ.x_y_z-_0123456789abcdefABCDEF`,
  },
  { label: 'Open in the console', url: `${BROKER}/#call=6f1c2f4e-1b2a_4c3d` },
];

const person = (id: string, displayName: string) => ({ id, displayName });

/** A page as the broker makes it: user text in the title, the lines and the names. */
function page(id: string, pageLinks: typeof links): Notification {
  return {
    id,
    title: `Help wanted: ${EVIL}`,
    lines: [`Queue Pumps. Asked by ${EVIL}.`, `Description: ${EVIL}`],
    mentions: [person('erika', `Erika ${EVIL}`), person('ed', 'Ed')],
    links: pageLinks,
  };
}

describe.each(BODIES)('%s: a reader finds exactly the broker links', (_name, render) => {
  it('with one link', () => {
    expect(linksOf(render(page('n1', links.slice(0, 1))))).toEqual([links[0].url]);
  });

  it('with several links, none escaped', () => {
    expect(linksOf(render(page('n2', links)))).toEqual(links.map((l) => l.url).sort());
  });

  it('with no link at all', () => {
    expect(linksOf(render(page('n3', [])))).toEqual([]);
  });

  it('combined with another page (a batch past the robot limit)', () => {
    const combined = combineNotifications([
      page('n4', links.slice(0, 1)),
      page('n5', links.slice(1)),
    ]);
    expect(linksOf(render(combined))).toEqual(links.map((l) => l.url).sort());
  });
});

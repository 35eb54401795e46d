import MarkdownIt from 'markdown-it';
import {
  renderCamBatch,
  renderCamMessage,
  renderDingTalk,
  renderRingCentralPost,
  renderRingCentralWebhook,
  renderTeamsCard,
} from './channel-renderers.js';
import { combineNotifications, type Notification } from './notification.js';

/** What a reader's client may turn into links: CommonMark with bare URLs linkified. */
const markdown = new MarkdownIt({ linkify: true });
/** Fields that are a link by themselves (a button): their value is the link. */
const URL_FIELDS = new Set(['singleURL', 'actionURL', 'url']);
/** Fields a reader sees as text (rendered here as CommonMark + linkify, the most a client does). */
const TEXT_FIELDS = new Set(['text', 'content', 'title', 'message', 'singleTitle']);

/** Every link a reader of this body can follow: anchors in its texts, and its buttons. */
export function linksOf(body: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      if (URL_FIELDS.has(key)) found.push(value);
      else if (TEXT_FIELDS.has(key))
        for (const [, href] of markdown.render(value).matchAll(/<a href="([^"]*)"/g))
          found.push(href.replace(/&amp;/g, '&'));
      return;
    }
    if (Array.isArray(value)) value.forEach((item) => walk(item, key));
    else if (typeof value === 'object' && value !== null)
      for (const [name, inner] of Object.entries(value)) walk(inner, name);
  };
  walk(body, '');
  return found.sort();
}

/** Every channel body the broker sends, seven kinds (and CAM's batch file). */
export const BODIES: [string, (message: Notification) => unknown][] = [
  ['DingTalk text', (m) => renderDingTalk(m, 'text')],
  ['DingTalk markdown', (m) => renderDingTalk(m, 'markdown')],
  ['DingTalk actionCard', (m) => renderDingTalk(m, 'actionCard')],
  ['Chat&Messenger message', (m) => renderCamMessage(m, undefined)],
  ['RingCentral post', (m) => renderRingCentralPost(m)],
  ['RingCentral webhook', (m) => renderRingCentralWebhook(m)],
  ['Teams card', (m) => renderTeamsCard(m)],
  ['Chat&Messenger batch file', (m) => renderCamBatch([m])],
];

/** A user's attempts at a link of their own, in every form a reader's client might take. */
export const EVIL =
  'Pump https://evil.example/x www.evil.example [x](https://evil.example) <https://evil.example> evil.com mail@evil.com';

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

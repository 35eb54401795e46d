import MarkdownIt from 'markdown-it';

/** What a reader's client may turn into links: CommonMark with bare URLs linkified. */
const markdown = new MarkdownIt({ linkify: true });
/** Fields that are a link by themselves (a button): their value is the link. */
const URL_FIELDS = new Set(['singleURL', 'actionURL', 'url']);
/** Fields a reader sees as text (rendered here as CommonMark + linkify, the most a client does). */
const TEXT_FIELDS = new Set(['text', 'content', 'title', 'message', 'singleTitle']);

/**
 * Every link a reader of a chat body (any vendor's JSON) can follow, sorted: the anchors of its
 * texts rendered as CommonMark with linkify, and its buttons' URLs.
 */
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

/** A user's attempts at a link of their own, in every form a reader's client might take. */
export const EVIL =
  'Pump https://evil.example/x www.evil.example [x](https://evil.example) <https://evil.example> evil.com mail@evil.com';

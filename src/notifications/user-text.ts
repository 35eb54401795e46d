/**
 * Text from people (call titles, descriptions, display names) as it may stand in any chat body,
 * and the broker's own links as each syntax needs them. Readers' clients turn bare URLs, host
 * names, e-mail addresses and markup into links; a link in a page must only ever be the
 * broker's.
 */

/** Invisible, and ends the host name, the scheme or the markup a client would link. */
const ZWJ = '\u200d';

/**
 * User text that no client can turn into a link, whatever it reads (plain text, markdown,
 * linkify): `//` (every scheme, protocol-relative hosts), a dot inside a word (`www.`, host
 * names, TLDs), `@` (e-mail), `<` (autolinks, HTML, Teams' `<at>`) and `]` (`[label](url)`,
 * `[ref]: url`, RingCentral's `![:Person](id)`) each get a zero-width joiner; line breaks become
 * spaces, so nothing starts a line of its own. A reader sees the same characters.
 */
export function inertText(text: string): string {
  return text
    .replace(/[\r\n\t\v\f]+/g, ' ')
    .replace(/\/(?=\/)/g, `/${ZWJ}`)
    .replace(/\.(?=\S)/g, `.${ZWJ}`)
    .replace(/@/g, `${ZWJ}@`)
    .replace(/[<\]]/g, (char) => `${char}${ZWJ}`);
}

/** Characters that would turn a title or a line into markup (a link, bold text) in markdown. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]()#<>!|~]/g, (char) => `\\${char}`);
}

/** User text for a field the vendor reads as markdown: inert, then escaped. */
export function markdownText(text: string): string {
  return escapeMarkdown(inertText(text));
}

/**
 * A URL as a markdown link's destination: never escaped (an escaped `_` reaches readers as `\_`
 * in some clients), only what would end or break the destination percent-encoded.
 */
function destination(url: string): string {
  return url.replace(/[\s()<>\\[\]\p{Cc}]/gu, (char) =>
    char.charCodeAt(0) < 0x80
      ? `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
      : encodeURIComponent(char),
  );
}

/** A link in markdown: `[label](url)`, the label user-safe text, the URL as the broker made it. */
export function markdownLink(link: { label: string; url: string }): string {
  return `[${markdownText(link.label)}](${destination(link.url)})`;
}

/** A link in plain text, which the reader's client linkifies: `label: url`, the URL whole. */
export function plainLink(link: { label: string; url: string }): string {
  return `${inertText(link.label)}: ${destination(link.url)}`;
}

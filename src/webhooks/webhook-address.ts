import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BadRequestError, UnprocessableError } from '../common/broker-error.js';

/**
 * Where a webhook may point: a public https URL. Loopback, link-local, private, unique-local and
 * other special ranges are refused, because the broker would otherwise POST into the network it
 * runs in on an integration's say-so. WEBHOOK_ALLOWED_HOSTS names the exceptions (names or
 * addresses, each on one port), which may use http too: the tests' local receivers.
 */
const NOT_PUBLIC_V4 = new BlockList();
/** Kept apart: a mixed list would match every IPv4 address against the IPv4-mapped range. */
const NOT_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  NOT_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 96], // IPv4-compatible (deprecated), :: and ::1 included: would reach the IPv4 address
  ['::ffff:0:0', 96], // IPv4-mapped: would reach any IPv4 address, private ones too
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT), the same
  ['64:ff9b::', 96], // NAT64, the same
  ['64:ff9b:1::', 48], // local-use NAT64: the network's own translator, to its own IPv4 space
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: relays to the IPv4 address it carries (obfuscated)
  ['2001:2::', 48], // benchmarking
  ['2001:10::', 28], // ORCHID (deprecated)
  ['2001:20::', 28], // ORCHIDv2
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: relays to the IPv4 address in bits 16-47
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  NOT_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail counts as two). */
function groupsOf(address: string): number[] {
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = dotted
    ? `${dotted[1]}${((+dotted[2] << 8) | +dotted[3]).toString(16)}:${((+dotted[4] << 8) | +dotted[5]).toString(16)}`
    : address;
  const [head, tail] = hex.split('::');
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const front = parse(head);
  const back = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - front.length - back.length).fill(0);
  return [...front, ...zeros, ...back];
}

/**
 * The IPv4 address an ISATAP interface identifier (`::0:5efe:a.b.c.d`, `::200:5efe:a.b.c.d`)
 * carries under any prefix: the tunnel's far end is that address, so it must be public too.
 */
function isatapIPv4(address: string): string | undefined {
  const groups = groupsOf(address);
  if ((groups[4] & 0xfdff) !== 0 || groups[5] !== 0x5efe) return undefined;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

/**
 * Whether an address is public. IPv6 forms that carry or relay to an IPv4 address (IPv4-compatible,
 * -mapped, -translated, NAT64, 6to4, Teredo) are refused whole, as is ISATAP carrying a private one.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !NOT_PUBLIC_V4.check(address, 'ipv4');
  if (NOT_PUBLIC_V6.check(address, 'ipv6')) return false;
  const embedded = isatapIPv4(address.toLowerCase());
  return embedded === undefined || !NOT_PUBLIC_V4.check(embedded, 'ipv4');
}

const DEFAULT_PORT: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/**
 * The hosts WEBHOOK_ALLOWED_HOSTS opens on `port` (a URL's, '' for the default) of `protocol`:
 * `host:port` and `[v6]:port` entries on their port, bare hosts on the scheme's default port only.
 */
export function hostsAllowedOn(
  allowedHosts: readonly string[],
  protocol: string,
  port: string | number,
): string[] {
  const defaultPort = DEFAULT_PORT[protocol];
  if (defaultPort === undefined) return [];
  const wanted = Number(port) || defaultPort;
  return allowedHosts.flatMap((entry) => {
    const withPort = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(entry);
    const host = withPort ? (withPort[1] ?? withPort[2]) : entry;
    return (withPort ? Number(withPort[3]) : defaultPort) === wanted ? [host] : [];
  });
}

/** The URL's host without IPv6 brackets, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/**
 * The WEBHOOK_ALLOWED_HOSTS entry that would open this URL (`host:port`, `[v6]:port`): a refusal
 * names it, so whoever runs a local receiver learns the fix from the answer, not from the docs.
 */
function allowedHostsEntry(url: URL): string {
  return `${url.hostname.toLowerCase()}:${url.port || DEFAULT_PORT[url.protocol]}`;
}

/**
 * localhost, or a loopback, link-local or private address written out: a receiver on the same
 * machine or network, for which plain http through WEBHOOK_ALLOWED_HOSTS is the fix to suggest.
 * A public host is told https, not how to let plain http through.
 */
function isLocalLiteral(host: string): boolean {
  return host === 'localhost' || (isIP(host) !== 0 && !isPublicAddress(host));
}

export type Resolve = (host: string) => Promise<string[]>;

export const resolveAll: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Whether connecting to `addresses` of `host` is allowed; the reason when not. `allowedHosts`: the
 * hosts allowed on the port connected to (hostsAllowedOn).
 */
export function addressProblem(
  host: string,
  addresses: readonly string[],
  allowedHosts: readonly string[],
  entry?: string,
): string | undefined {
  if (allowedHosts.includes(host)) return undefined;
  const refused = addresses.find(
    (address) => !isPublicAddress(address) && !allowedHosts.includes(address.toLowerCase()),
  );
  if (refused === undefined) return undefined;
  const exception = entry
    ? `to allow it, add ${entry} to WEBHOOK_ALLOWED_HOSTS`
    : 'or WEBHOOK_ALLOWED_HOSTS must name it';
  return `${host} resolves to ${refused}, a loopback, link-local or private address; webhooks must reach a public address (${exception})`;
}

/**
 * Refuses (4xx) a URL a webhook may not use; checked at subscription and again when sending.
 * `allowedHosts`: WEBHOOK_ALLOWED_HOSTS' entries (`host`, `host:port`, `[v6]:port`).
 */
export async function assertWebhookUrl(
  raw: string,
  allowedHosts: readonly string[],
  resolve: Resolve = resolveAll,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestError('url must be an absolute https URL');
  }
  const host = hostOf(url);
  const allowedHere = hostsAllowedOn(allowedHosts, url.protocol, url.port);
  const allowed = allowedHere.includes(host);
  if (url.protocol !== 'https:' && !(allowed && url.protocol === 'http:'))
    throw new BadRequestError(
      `url must use https, got ${url.protocol.replace(':', '')}` +
        (url.protocol === 'http:' && isLocalLiteral(host)
          ? ` (http only to a host WEBHOOK_ALLOWED_HOSTS names: to allow this one, add ${allowedHostsEntry(url)} to WEBHOOK_ALLOWED_HOSTS)`
          : ''),
    );
  if (url.username || url.password)
    throw new BadRequestError('url must not carry a user name or password');
  if (url.hash) throw new BadRequestError('url must not have a #fragment');
  if (allowed) return url;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw new UnprocessableError(`url's host ${host} cannot be resolved`);
  }
  if (addresses.length === 0) throw new UnprocessableError(`url's host ${host} has no address`);
  const problem = addressProblem(host, addresses, allowedHere, allowedHostsEntry(url));
  if (problem) throw new UnprocessableError(`url refused: ${problem}`);
  return url;
}

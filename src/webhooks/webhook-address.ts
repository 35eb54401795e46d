import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BadRequestError, UnprocessableError } from '../common/broker-error.js';

/**
 * Where a webhook may point: a public https URL. Loopback, link-local, private, unique-local and
 * other special ranges are refused, because the broker would otherwise POST into the network it
 * runs in on an integration's say-so. WEBHOOK_ALLOWED_HOSTS names the exceptions (names or
 * addresses), which may use http too: the tests' local receivers.
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
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96], // IPv4-mapped: would reach any IPv4 address, private ones too
  ['64:ff9b::', 96], // NAT64, the same
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  NOT_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4
    ? !NOT_PUBLIC_V4.check(address, 'ipv4')
    : !NOT_PUBLIC_V6.check(address, 'ipv6');
}

/** The URL's host without IPv6 brackets, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export type Resolve = (host: string) => Promise<string[]>;

export const resolveAll: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** Whether connecting to `addresses` of `host` is allowed; the reason when not. */
export function addressProblem(
  host: string,
  addresses: readonly string[],
  allowedHosts: readonly string[],
): string | undefined {
  if (allowedHosts.includes(host)) return undefined;
  const refused = addresses.find(
    (address) => !isPublicAddress(address) && !allowedHosts.includes(address.toLowerCase()),
  );
  if (refused === undefined) return undefined;
  return `${host} resolves to ${refused}, a loopback, link-local or private address; webhooks must reach a public address (or WEBHOOK_ALLOWED_HOSTS must name it)`;
}

/** Refuses (4xx) a URL a webhook may not use; checked at subscription and again when sending. */
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
  const allowed = allowedHosts.includes(host);
  if (url.protocol !== 'https:' && !(allowed && url.protocol === 'http:'))
    throw new BadRequestError(`url must use https, got ${url.protocol.replace(':', '')}`);
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
  const problem = addressProblem(host, addresses, allowedHosts);
  if (problem) throw new UnprocessableError(`url refused: ${problem}`);
  return url;
}

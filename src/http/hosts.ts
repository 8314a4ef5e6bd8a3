import os from 'node:os';
import { BlockList, isIP } from 'node:net';

/** The host name of a Host header or URL authority, lower-case, without port or IPv6 brackets; null if unreadable. */
export function hostnameOf(authority: string | undefined): string | null {
  if (!authority) return null;
  try {
    const h = new URL(`http://${authority}`).hostname.toLowerCase();
    return h.startsWith('[') ? h.slice(1, -1) : h;
  } catch {
    return null;
  }
}

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];
const WILDCARD = ['0.0.0.0', '::', ''];

export const isLoopback = (host: string) => LOOPBACK.includes(host.toLowerCase()) || host.startsWith('127.');

/**
 * The host names the pages answer to: HYDRA_PUBLIC_URL's, the listen address (a wildcard listen address means
 * this machine's names and addresses), loopback names when reachable on loopback, and any configured extra.
 */
export function allowedHostnames(c: {
  HYDRA_HTTP_HOST: string;
  HYDRA_PUBLIC_URL?: string | undefined;
  HYDRA_ALLOWED_HOSTS: string;
}): Set<string> {
  const out = new Set<string>();
  const listen = c.HYDRA_HTTP_HOST.toLowerCase();
  if (c.HYDRA_PUBLIC_URL) out.add(new URL(c.HYDRA_PUBLIC_URL).hostname.toLowerCase().replace(/^\[|\]$/g, ''));
  if (WILDCARD.includes(listen)) {
    out.add(os.hostname().toLowerCase());
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? []) out.add(a.address.toLowerCase());
    for (const l of LOOPBACK) out.add(l);
  } else {
    out.add(listen);
    if (isLoopback(listen)) for (const l of LOOPBACK) out.add(l);
  }
  for (const h of splitList(c.HYDRA_ALLOWED_HOSTS)) out.add(h.toLowerCase());
  return out;
}

export const splitList = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** A set of addresses and CIDR ranges (`10.0.0.5`, `10.1.0.0/16`, `::1`); IPv4-mapped IPv6 addresses match as IPv4. */
export class AddressSet {
  private readonly list = new BlockList();
  readonly empty: boolean;
  constructor(readonly entries: readonly string[]) {
    for (const e of entries) {
      const [addr, bits] = e.split('/');
      const family = isIP(addr ?? '');
      if (!family) throw new Error(`not an address or CIDR range: ${e}`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr!, type);
      else this.list.addSubnet(addr!, Number(bits), type);
    }
    this.empty = entries.length === 0;
  }
  static parse(s: string): AddressSet {
    return new AddressSet(splitList(s));
  }
  has(address: string | undefined): boolean {
    if (!address || this.empty) return false;
    const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(a);
    if (!family) return false;
    return this.list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `scheme://host[:port]` with the scheme's default port made explicit, for comparing an Origin with a Host. */
export function originAuthority(origin: string): string | null {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.hostname.toLowerCase()}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return null;
  }
}

/** The Host header as `host:port` (the port the scheme implies when it has none). */
export function hostAuthority(host: string | undefined, protocol: string): string | null {
  if (!host) return null;
  try {
    const u = new URL(`${protocol}://${host}`);
    return `${u.hostname.toLowerCase()}:${u.port || (protocol === 'https' ? '443' : '80')}`;
  } catch {
    return null;
  }
}

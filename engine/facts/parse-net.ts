// The network facts from iproute2's output, JSON (`ip -j`, iproute2 ≥ 4.13) or text (`ip -o
// addr`, `ip route`), and listening sockets from `ss -lntup`: pure functions, tested on output
// captured from real hosts.
import { addressFamily, inSubnet, normalizeAddress, parseCidr, subnetOf } from './ip-address.js';
import type { HostAddress, ListeningSocket, NetworkInterface, RouteEntry } from './types.js';

function address(local: string, prefix: number): HostAddress | undefined {
  const family = addressFamily(local);
  const subnet = subnetOf(local, prefix);
  if (!family || !subnet) return undefined;
  return { address: normalizeAddress(local), prefix, family, subnet };
}

interface IpJsonLink {
  ifname?: unknown;
  flags?: unknown;
  address?: unknown;
  link_type?: unknown;
  addr_info?: { family?: unknown; local?: unknown; prefixlen?: unknown }[];
}

/** `ip -j addr show`. */
export function parseIpAddrJson(text: string): Record<string, NetworkInterface> | undefined {
  let links: unknown;
  try {
    links = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(links)) return undefined;
  const out: Record<string, NetworkInterface> = {};
  for (const link of links as IpJsonLink[]) {
    if (typeof link?.ifname !== 'string') continue;
    const flags = Array.isArray(link.flags) ? link.flags : [];
    const addresses: HostAddress[] = [];
    for (const a of Array.isArray(link.addr_info) ? link.addr_info : []) {
      if (typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
      const parsed = address(a.local, a.prefixlen);
      if (parsed) addresses.push(parsed);
    }
    out[link.ifname] = {
      name: link.ifname,
      up: flags.includes('UP'),
      ...(typeof link.address === 'string' && link.link_type !== 'loopback' ? { mac: link.address } : {}),
      addresses,
    };
  }
  return out;
}

/** `ip -o addr show`: `2: ens3    inet 10.0.0.5/24 brd … scope global ens3\ …`. Link state is
 * not in this form: an interface with an address is taken as up. */
export function parseIpAddrText(text: string): Record<string, NetworkInterface> {
  const out: Record<string, NetworkInterface> = {};
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+(inet6?)\s+(\S+)/.exec(line.trim());
    if (!m) continue;
    const [, name, , cidr] = m as unknown as [string, string, string, string];
    const c = parseCidr(cidr);
    const iface = (out[name] ??= { name, up: true, addresses: [] });
    const parsed = c ? address(c.address, c.prefix) : undefined;
    if (parsed) iface.addresses.push(parsed);
  }
  return out;
}

interface IpJsonRoute {
  dst?: unknown;
  gateway?: unknown;
  dev?: unknown;
  prefsrc?: unknown;
}

/** `ip -j route show`. */
export function parseIpRouteJson(text: string): RouteEntry[] | undefined {
  let routes: unknown;
  try {
    routes = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(routes)) return undefined;
  return (routes as IpJsonRoute[])
    .filter((r) => typeof r?.dst === 'string')
    .map((r) => ({
      dst: r.dst as string,
      ...(typeof r.gateway === 'string' ? { gateway: r.gateway } : {}),
      ...(typeof r.dev === 'string' ? { dev: r.dev } : {}),
      ...(typeof r.prefsrc === 'string' ? { src: r.prefsrc } : {}),
    }));
}

/** `ip route show`: `default via 10.0.0.1 dev ens3`, `10.0.0.0/24 dev ens3 proto kernel scope link src 10.0.0.5`. */
export function parseIpRouteText(text: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const dst = words[0];
    if (!dst || (dst !== 'default' && !parseCidr(dst))) continue;
    const after = (w: string) => {
      const i = words.indexOf(w);
      return i >= 0 ? words[i + 1] : undefined;
    };
    const gateway = after('via');
    const dev = after('dev');
    const src = after('src');
    out.push({ dst, ...(gateway ? { gateway } : {}), ...(dev ? { dev } : {}), ...(src ? { src } : {}) });
  }
  return out;
}

/** The route the kernel would take to `target` (longest prefix; `default` is /0), or undefined. */
export function routeTo(routes: readonly RouteEntry[], target: string): RouteEntry | undefined {
  const family = addressFamily(target);
  if (!family) return undefined;
  let best: { route: RouteEntry; prefix: number } | undefined;
  for (const r of routes) {
    let prefix: number;
    if (r.dst === 'default') {
      // `ip route` lists one family; a default without a gateway (a point-to-point link) is IPv4.
      if ((r.gateway ? addressFamily(r.gateway) : 'inet') !== family) continue;
      prefix = 0;
    } else {
      const c = parseCidr(r.dst);
      if (!c || !inSubnet(target, r.dst)) continue;
      prefix = c.prefix;
    }
    if (!best || prefix > best.prefix) best = { route: r, prefix };
  }
  return best?.route;
}

/**
 * `ss -H -l -n -t -u -p` (header optional): `tcp LISTEN 0 4096 0.0.0.0:6443 0.0.0.0:* users:(("rootlesskit",pid=1,fd=3))`.
 * The local address column is `ADDR:PORT`, `[V6]:PORT`, `*:PORT` or `ADDR%IFACE:PORT`.
 */
export function parseSs(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const proto = words[0];
    if (proto !== 'tcp' && proto !== 'udp') continue;
    const local = words[4];
    const m = local ? /^(.*):(\d+|\*)$/.exec(local) : null;
    if (!m || m[2] === '*') continue;
    const address = (m[1] ?? '').replace(/%[^%\]]*$/, '').replace(/^\[(.*)\]$/, '$1');
    const port = Number(m[2]);
    const process = /users:\(\("([^"]+)"/.exec(line)?.[1];
    const key = `${proto} ${address} ${port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ proto, address, port, ...(process ? { process } : {}) });
  }
  return out;
}

/** The interface and address that hold `target` (an address literal), if the host has it. */
export function interfaceHolding(interfaces: Record<string, NetworkInterface>, target: string): { iface: NetworkInterface; address: HostAddress } | undefined {
  const want = normalizeAddress(target);
  for (const iface of Object.values(interfaces)) {
    const hit = iface.addresses.find((a) => a.address === want);
    if (hit) return { iface, address: hit };
  }
  return undefined;
}

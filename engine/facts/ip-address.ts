// IP address arithmetic the facts and the preflight checks need (is an address inside a subnet,
// which route covers it), for IPv4 and IPv6, on BigInt so both families share one code path.

export type Family = 'inet' | 'inet6';

interface Parsed {
  family: Family;
  value: bigint;
  bits: number;
}

const V4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

function parseV4(text: string): bigint | undefined {
  if (!V4.test(text)) return undefined;
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(text: string): bigint | undefined {
  const bare = text.replace(/%.*$/, ''); // fe80::1%ens3
  if (!/^[0-9A-Fa-f:.]+$/.test(bare) || !bare.includes(':')) return undefined;
  let head = bare;
  let tail = '';
  const gap = bare.indexOf('::');
  if (gap >= 0) {
    if (bare.indexOf('::', gap + 1) >= 0) return undefined;
    head = bare.slice(0, gap);
    tail = bare.slice(gap + 2);
  }
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (const [i, p] of parts.entries()) {
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return undefined;
  const missing = 8 - h.length - t.length;
  if (gap < 0 ? missing !== 0 : missing < 1) return undefined;
  const all = [...h, ...new Array<number>(gap < 0 ? 0 : missing).fill(0), ...t];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function parse(text: string): Parsed | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 'inet', value: v4, bits: 32 };
  const v6 = parseV6(text);
  if (v6 !== undefined) return { family: 'inet6', value: v6, bits: 128 };
  return undefined;
}

/** 'inet' / 'inet6' for an address literal, undefined for anything else (a DNS name). */
export function addressFamily(text: string): Family | undefined {
  return parse(text)?.family;
}

export function isIpAddress(text: string): boolean {
  return parse(text) !== undefined;
}

function format(p: Parsed): string {
  if (p.family === 'inet') {
    return [24n, 16n, 8n, 0n].map((s) => String((p.value >> s) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((p.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as `ip` prints them.
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

function mask(bits: number, prefix: number): bigint {
  const host = BigInt(bits - prefix);
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << host) - 1n);
}

/** The subnet of an address with a prefix length, as CIDR text: (10.0.0.5, 24) → 10.0.0.0/24. */
export function subnetOf(address: string, prefix: number): string | undefined {
  const p = parse(address);
  if (!p || !Number.isInteger(prefix) || prefix < 0 || prefix > p.bits) return undefined;
  return `${format({ ...p, value: p.value & mask(p.bits, prefix) })}/${prefix}`;
}

/** Parse `10.0.0.0/24` (or a bare address, taken as a host route). */
export function parseCidr(text: string): { address: string; prefix: number; family: Family } | undefined {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const p = parse(addr);
  if (!p) return undefined;
  const prefix = len === undefined ? p.bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!Number.isInteger(prefix) || prefix > p.bits) return undefined;
  return { address: format(p), prefix, family: p.family };
}

/** Is `address` inside `cidr` (same family, same leading `prefix` bits)? */
export function inSubnet(address: string, cidr: string): boolean {
  const a = parse(address);
  const c = parseCidr(cidr);
  if (!a || !c || a.family !== c.family) return false;
  const base = parse(c.address)!;
  const m = mask(a.bits, c.prefix);
  return (a.value & m) === (base.value & m);
}

/** The same address written the way `ip` writes it (lower case, zeros compressed). */
export function normalizeAddress(text: string): string {
  const p = parse(text);
  return p ? format(p) : text;
}

// known_hosts as OpenSSH writes it (plain, `[host]:port`, hashed `|1|salt|hash`, wildcards,
// negations, @revoked), so podsec-play trusts exactly the keys the user's ssh would.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { matchPatternList } from './patterns.js';

export interface KnownHostEntry {
  /** `@revoked` / `@cert-authority`, or undefined for a plain entry. */
  marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field as written: comma-separated patterns or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  /** Base64 of the key's wire blob. */
  keyBase64: string;
  line: number;
}

export type HostKeyVerdict =
  | { status: 'known' }
  | { status: 'unknown' }
  | { status: 'changed'; line: number; knownType: string }
  | { status: 'revoked'; line: number };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // unknown marker: OpenSSH ignores the line
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) continue;
    entries.push({ marker, hosts, keyType, keyBase64, line: i + 1 });
  }
  return entries;
}

/** The name a host is recorded under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(hostname: string, port: number): string {
  return port === 22 ? hostname : `[${hostname}]:${port}`;
}

/** Does an entry's host field name this host? Handles hashed entries and pattern lists. */
export function entryMatchesHost(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatches(hosts, name);
  return matchPatternList(hosts.split(','), name.toLowerCase());
}

function hashedMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** `|1|salt|hash` for a name, the form `ssh-keygen -H` writes. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const digest = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${digest}`;
}

/**
 * Check a presented key against the entries. A key of another type than every recorded one
 * counts as changed: accepting it would let an attacker pick a type the user never trusted.
 */
export function verifyHostKey(
  entries: KnownHostEntry[],
  name: string,
  keyType: string,
  keyBase64: string,
): HostKeyVerdict {
  const forHost = entriesNaming(entries, name).filter((e) => e.marker !== 'cert-authority');
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.keyBase64 === keyBase64);
  if (revoked) return { status: 'revoked', line: revoked.line };
  const plain = forHost.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.keyType === keyType && e.keyBase64 === keyBase64)) return { status: 'known' };
  const other = plain[0];
  if (other) return { status: 'changed', line: other.line, knownType: other.keyType };
  return { status: 'unknown' };
}

/** Key types recorded for a host (to offer them first during key exchange, like ssh does). */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  const types = new Set<string>();
  for (const e of entriesNaming(entries, name)) {
    if (e.marker === undefined) types.add(e.keyType);
  }
  return [...types];
}

interface NameIndex {
  /** Entries whose host field is a list of plain names, by lower-cased name. */
  byName: Map<string, KnownHostEntry[]>;
  /** The others (hashed, wildcards, negations): matched one by one. */
  patterns: KnownHostEntry[];
}

const indexes = new WeakMap<KnownHostEntry[], NameIndex>();

/**
 * The entries whose host field names `name`, in file order. With hundreds of hosts in one
 * known_hosts file and one lookup per connection, scanning every entry for every host is
 * quadratic; plain names are looked up in an index built once per parsed file.
 */
export function entriesNaming(entries: KnownHostEntry[], name: string): KnownHostEntry[] {
  let index = indexes.get(entries);
  if (!index) {
    index = { byName: new Map(), patterns: [] };
    for (const e of entries) {
      const names = e.hosts.split(',');
      if (e.hosts.startsWith('|1|') || names.some((n) => /[*?!]/.test(n))) {
        index.patterns.push(e);
        continue;
      }
      for (const n of new Set(names.map((x) => x.toLowerCase()))) {
        const list = index.byName.get(n);
        if (list) list.push(e);
        else index.byName.set(n, [e]);
      }
    }
    indexes.set(entries, index);
  }
  const plain = index.byName.get(name.toLowerCase()) ?? [];
  const matched = index.patterns.filter((e) => entryMatchesHost(e.hosts, name));
  if (matched.length === 0) return plain;
  return [...plain, ...matched].sort((a, b) => a.line - b.line);
}

/** OpenSSH's `SHA256:…` fingerprint: unpadded base64 of the sha256 of the key blob. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** One known_hosts line for a newly accepted key. */
export function formatKnownHostLine(name: string, keyType: string, keyBase64: string): string {
  return `${name} ${keyType} ${keyBase64}`;
}

// The host key decision for one hop: known → go on; unknown → stop with the fingerprint and the
// option that trusts it (or record it with --accept-new-host-keys); changed → always stop.
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PlayError } from '../../errors.js';
import { describeHop, type HopContext } from './errors.js';
import {
  fingerprintSha256,
  formatKnownHostLine,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
  type KnownHostEntry,
} from './known-hosts.js';

export interface HostKeyPolicy {
  acceptNew: boolean;
  log: (message: string) => void;
}

/** Parsed known_hosts files, kept while the file is unchanged (same inode, size and mtime): a run
 * that opens hundreds of connections reads and parses the shared file once, not once per host. */
const parsed = new Map<string, { stamp: string; entries: Promise<KnownHostEntry[]> }>();

export async function loadKnownHosts(file: string): Promise<KnownHostEntry[]> {
  let stamp: string;
  try {
    const s = await stat(file);
    stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PlayError(`cannot read known_hosts file ${file}: ${(err as Error).message}`, { code: 'E_HOSTKEY' });
  }
  const cached = parsed.get(file);
  if (cached?.stamp === stamp) return cached.entries;
  const entries = readFile(file, 'utf8').then(parseKnownHosts, (err: NodeJS.ErrnoException) => {
    parsed.delete(file);
    if (err.code === 'ENOENT') return [];
    throw new PlayError(`cannot read known_hosts file ${file}: ${err.message}`, { code: 'E_HOSTKEY' });
  });
  parsed.set(file, { stamp, entries });
  return entries;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

const ALGORITHMS_FOR_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** Host key algorithms to offer first: those of keys already recorded, as ssh(1) does. */
export function preferredHostKeyAlgorithms(entries: KnownHostEntry[], ep: HopContext['hop']): string[] {
  const name = knownHostName(ep.hostname, ep.port);
  return knownKeyTypes(entries, name).flatMap((t) => ALGORITHMS_FOR_TYPE[t] ?? []);
}

/** Serialises appends per file, so hosts sharing a bastion record its key once. */
const appendQueues = new Map<string, Promise<unknown>>();

export async function checkHostKey(
  ctx: HopContext,
  entries: KnownHostEntry[],
  blob: Buffer,
  policy: HostKeyPolicy,
): Promise<PlayError | undefined> {
  const ep = ctx.hop;
  const name = knownHostName(ep.hostname, ep.port);
  const type = keyTypeOf(blob);
  const b64 = blob.toString('base64');
  const fingerprint = fingerprintSha256(blob);
  const verdict = verifyHostKey(entries, name, type, b64);
  const at = describeHop(ctx);
  switch (verdict.status) {
    case 'known':
      return undefined;
    case 'revoked':
      return new PlayError(
        `${at}: the host key ${type} ${fingerprint} is marked @revoked in ${ep.knownHostsFile}:${verdict.line}; refusing to connect`,
        { code: 'E_HOSTKEY', host: ctx.host },
      );
    case 'changed':
      return new PlayError(
        `${at}: HOST KEY CHANGED for ${name}: the server presented ${type} ${fingerprint}, but ` +
          `${ep.knownHostsFile}:${verdict.line} records a different ${verdict.knownType} key. This can be an attack; ` +
          `if the host was really reinstalled, remove the old entry (ssh-keygen -R '${name}' -f ${ep.knownHostsFile}) and run again`,
        { code: 'E_HOSTKEY', host: ctx.host },
      );
    case 'unknown':
      if (!policy.acceptNew) {
        return new PlayError(
          `${at}: unknown host key for ${name}: ${type} ${fingerprint} is not in ${ep.knownHostsFile}. ` +
            `Check the fingerprint, then run again with --accept-new-host-keys to record it`,
          { code: 'E_HOSTKEY', host: ctx.host },
        );
      }
      await recordHostKey(ep.knownHostsFile, name, type, b64);
      policy.log(`recorded new host key for ${name} (${type} ${fingerprint}) in ${ep.knownHostsFile}`);
      return undefined;
  }
}

async function recordHostKey(file: string, name: string, type: string, b64: string): Promise<void> {
  const previous = appendQueues.get(file) ?? Promise.resolve();
  const run = previous.then(async () => {
    const current = await loadKnownHosts(file);
    if (verifyHostKey(current, name, type, b64).status === 'known') return;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    let prefix = '';
    try {
      const text = await readFile(file, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) prefix = '\n';
    } catch {
      // A new file.
    }
    await appendFile(file, `${prefix}${formatKnownHostLine(name, type, b64)}\n`, { mode: 0o600 });
  });
  appendQueues.set(file, run.catch(() => undefined));
  try {
    await run;
  } catch (err) {
    throw new PlayError(`cannot record the host key for ${name} in ${file}: ${(err as Error).message}`, {
      code: 'E_HOSTKEY',
    });
  }
}

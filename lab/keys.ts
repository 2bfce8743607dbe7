// Host keys (one per node, kept in the node's /etc/ssh like a real host) and the lab's single
// client key, generated in-process with ssh2 (fast: no ssh-keygen) and kept across restarts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

export interface KeyPair {
  privateKey: string;
  /** `ssh-ed25519 BASE64 comment`. */
  publicKey: string;
}

/** ssh2 1.17 writes a malformed ed25519 key about 3 times in 1000 (its own parseKey refuses it):
 * generate until the key reads back. */
function generateParsable(comment: string): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

/** Load the key pair at `file` (+ `.pub`), generating it (private part 0600) when missing. */
export function ensureKeyPair(file: string, comment: string): KeyPair {
  if (existsSync(file) && existsSync(`${file}.pub`)) {
    return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
  }
  mkdirSync(dirname(file), { recursive: true });
  const pair = generateParsable(comment);
  writeFileSync(file, pair.private, { mode: 0o600 });
  writeFileSync(`${file}.pub`, pair.public.trim() + '\n', { mode: 0o644 });
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}

export function hostKeyFile(root: string): string {
  return join(root, 'etc', 'ssh', 'ssh_host_ed25519_key');
}

/** The parsed public key, for comparing and verifying client signatures. */
export function parsePublicKey(publicKey: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

/** `[127.0.0.1]:PORT ssh-ed25519 BASE64` (the comment dropped). */
export function knownHostsLine(port: number, publicKey: string): string {
  const [type, blob] = publicKey.split(/\s+/);
  return `[127.0.0.1]:${port} ${type} ${blob}`;
}

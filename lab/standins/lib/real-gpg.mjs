// GnuPG as it really is, for stand-ins on a testbed node (testbed/), where gpg is the real
// program: keys are read from the user's real keyring, exported and fingerprinted by gpg itself,
// and signing goes through the real gpg-agent and pinentry (on the session's terminal, as
// `podman push --sign-by` does). Every gpg runs as the keyring's owner, so no agent of root's
// ends up in a user's ~/.gnupg.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function owner(home) {
  try {
    const st = statSync(home);
    return { uid: st.uid, gid: st.gid };
  } catch {
    return {};
  }
}

function asOwner(home) {
  const o = owner(home);
  const me = process.getuid?.();
  return me === 0 && o.uid !== undefined && o.uid !== 0 ? o : {};
}

function gpg(home, args, options = {}) {
  return spawnSync('gpg', ['--homedir', join(home, '.gnupg'), '--batch', ...args], { encoding: 'utf8', env: { ...process.env, HOME: home }, ...asOwner(home), ...options });
}

/** Keys in colon listing form → [{fingerprint, keyid, algo, created, name, email, comment}]. */
export function parseColons(text) {
  const keys = [];
  let key;
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'pub' || f[0] === 'sec') {
      const algo = { 1: 'rsa', 17: 'dsa', 22: 'ed', 18: 'cv' }[f[3]] ?? 'rsa';
      key = { keyid: f[4], algo: `${algo}${f[2]}`, created: new Date(Number(f[5]) * 1000).toISOString().slice(0, 10), fingerprint: '', name: '', email: '', comment: '' };
      keys.push(key);
    } else if (f[0] === 'fpr' && key && !key.fingerprint) {
      key.fingerprint = f[9];
    } else if (f[0] === 'uid' && key && !key.email) {
      const m = /^(.*?)(?: \((.*)\))?(?: <(.*)>)?$/.exec(f[9].replace(/\\x3a/g, ':'));
      Object.assign(key, { name: m?.[1] ?? '', comment: m?.[2] ?? '', email: m?.[3] ?? '' });
    }
  }
  return keys;
}

/** The keys of `home`'s real keyring (secret ones when `secret`). */
export function realKeys(home, secret = false) {
  const r = gpg(home, ['--with-colons', '--fixed-list-mode', secret ? '--list-secret-keys' : '--list-keys']);
  return r.status === 0 ? parseColons(r.stdout).map((k) => ({ ...k, home })) : [];
}

export function realArmoredPublicKey(key) {
  const r = gpg(key.home, ['--armor', '--export', key.fingerprint]);
  return r.status === 0 ? r.stdout : '';
}

/** The fingerprint of an exported key, as gpg reads it (a scratch keyring, nothing imported). */
export function realFingerprintOf(armored) {
  const scratch = mkdtempSync(join(tmpdir(), 'lab-gpg-'));
  try {
    const r = spawnSync('gpg', ['--homedir', scratch, '--batch', '--with-colons', '--import-options', 'show-only', '--import'], { input: armored, encoding: 'utf8' });
    return parseColons(r.stdout)[0]?.fingerprint || undefined;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Sign with the key the way podman does (gpg-agent, pinentry on this session's terminal);
 * rejects with gpg's own message when it does not (bad passphrase, no terminal). */
export function realSign(key, data) {
  let tty;
  try {
    tty = readlinkSync('/proc/self/fd/0');
  } catch {
    tty = undefined;
  }
  return new Promise((resolve, reject) => {
    const env = { ...process.env, HOME: key.home, ...(tty?.startsWith('/dev/') ? { GPG_TTY: tty } : {}) };
    const child = spawn('gpg', ['--homedir', join(key.home, '.gnupg'), '--local-user', key.fingerprint, '--armor', '--detach-sign', '--output', '-'], { env, stdio: ['pipe', 'pipe', 'pipe'], ...asOwner(key.home) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new Error(`gpg: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(err.split('\n').filter((l) => /^gpg: /.test(l)).pop() ?? `gpg: signing failed (exit ${code})`));
    });
    child.stdin.end(data);
  });
}

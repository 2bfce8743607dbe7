// A GnuPG keyring per user ($HOME/.gnupg/lab-keyring.json, passphrases only as salted hashes)
// and the interactive `gpg2 --full-generate-key` dialogue, prompts as the real one prints them.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ask, requireTerminal } from './prompt.mjs';
import { fail, out } from './main.mjs';

function keyringFile(home) {
  return join(home, '.gnupg', 'lab-keyring.json');
}

export function readKeyring(home) {
  try {
    return JSON.parse(readFileSync(keyringFile(home), 'utf8'));
  } catch {
    return [];
  }
}

function saveKeyring(home, keys) {
  mkdirSync(join(home, '.gnupg'), { recursive: true, mode: 0o700 });
  writeFileSync(keyringFile(home), JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
}

const hashOf = (salt, passphrase) => createHash('sha256').update(`${salt}:${passphrase}`).digest('hex');

export function checkPassphrase(key, passphrase) {
  return hashOf(key.salt, passphrase) === key.passphraseHash;
}

/** Keys matching a user id, an email or a fingerprint/key id. */
export function findKeys(home, query) {
  const q = String(query).replace(/^<|>$/g, '').toLowerCase();
  return readKeyring(home).filter(
    (k) => k.email.toLowerCase() === q || k.fingerprint.toLowerCase().endsWith(q) || `${k.name} <${k.email}>`.toLowerCase().includes(q),
  );
}

/** ASCII-armoured "public key" (a lab stand-in: it carries the fingerprint and user id). */
export function armoredPublicKey(key) {
  const body = Buffer.from(JSON.stringify({ lab: 'pgp-public-key', fingerprint: key.fingerprint, uid: `${key.name} <${key.email}>` }))
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${body}\n-----END PGP PUBLIC KEY BLOCK-----\n`;
}

/** The fingerprint inside an exported key file's text, or undefined. */
export function fingerprintOf(armored) {
  const m = armored.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----\s+([A-Za-z0-9+/=\s]+?)\s*-----END/);
  if (!m) return undefined;
  try {
    return JSON.parse(Buffer.from(m[1].replace(/\s/g, ''), 'base64').toString()).fingerprint;
  } catch {
    return undefined;
  }
}

async function askUntil(question, accept, tries = 10) {
  for (let i = 0; i < tries; i++) {
    const answer = await ask(question);
    if (answer === null) fail('\ngpg: Key generation canceled.', 2);
    const verdict = accept(answer.trim());
    if (verdict.ok) return verdict.value;
    out(`${verdict.message}\n`);
  }
  return fail('gpg: Key generation canceled.', 2);
}

/** pinentry: ask a passphrase twice (three rounds at most). */
async function newPassphrase() {
  for (let round = 0; round < 3; round++) {
    out('\nPlease enter the passphrase to\nprotect your new key\n\n');
    const first = await ask('Passphrase: ');
    if (first === null) break;
    out('\nPlease re-enter this passphrase\n\n');
    const second = await ask('Passphrase: ');
    if (second === null) break;
    if (first.length === 0) out('\nYou have not entered a passphrase!\n');
    else if (first !== second) out('\nPassphrases do not match\n');
    else return first;
  }
  return fail('gpg: agent_genkey failed: No passphrase given\ngpg: key generation failed: No passphrase given', 2);
}

/** `gpg2 --full-generate-key` for `home`'s keyring; returns the new key. */
export async function fullGenerateKey(home) {
  requireTerminal("gpg: cannot open '/dev/tty': No such device or address");
  out('gpg (GnuPG) 2.2.40; Copyright (C) 2022 g10 Code GmbH\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\n');
  out('Please select what kind of key you want:\n   (1) RSA and RSA (default)\n   (2) DSA and Elgamal\n   (3) DSA (sign only)\n   (4) RSA (sign only)\n  (14) Existing key from card\n');
  const kind = await askUntil('Your selection? ', (a) => (['', '1', '2', '3', '4'].includes(a) ? { ok: true, value: a || '1' } : { ok: false, message: 'Invalid selection.' }));
  const algo = kind === '2' || kind === '3' ? 'dsa' : 'rsa';
  out(`${algo.toUpperCase()} keys may be between 1024 and ${algo === 'dsa' ? 3072 : 4096} bits long.\n`);
  const bits = await askUntil('What keysize do you want? (3072) ', (a) => {
    const n = a === '' ? 3072 : Number(a);
    return Number.isInteger(n) && n >= 1024 && n <= 4096 ? { ok: true, value: n } : { ok: false, message: `${algo} keysizes must be in the range 1024-4096` };
  });
  out(`Requested keysize is ${bits} bits\n`);
  let confirmed = false;
  for (let i = 0; i < 10 && !confirmed; i++) {
    out('Please specify how long the key should be valid.\n         0 = key does not expire\n      <n>  = key expires in n days\n      <n>w = key expires in n weeks\n      <n>m = key expires in n months\n      <n>y = key expires in n years\n');
    const validity = await askUntil('Key is valid for? (0) ', (a) => (/^(\d+[wmy]?)?$/.test(a) ? { ok: true, value: a || '0' } : { ok: false, message: 'invalid value' }));
    out(validity === '0' ? 'Key does not expire at all\n' : `Key expires in ${validity}\n`);
    const yes = await ask('Is this correct? (y/N) ');
    if (yes === null) fail('\ngpg: Key generation canceled.', 2);
    confirmed = /^y(es)?$/i.test(yes.trim());
  }
  if (!confirmed) fail('gpg: Key generation canceled.', 2);
  out('\nGnuPG needs to construct a user ID to identify your key.\n\n');
  const field = {
    name: () => askUntil('Real name: ', (a) => (a.length >= 5 ? { ok: true, value: a } : { ok: false, message: 'Name must be at least 5 characters long' })),
    email: () => askUntil('Email address: ', (a) => (/^[^\s@<>]+@[^\s@<>]+$/.test(a) ? { ok: true, value: a } : { ok: false, message: 'Not a valid email address' })),
    comment: () => askUntil('Comment: ', (a) => (/[()]/.test(a) ? { ok: false, message: 'Invalid character in comment' } : { ok: true, value: a })),
  };
  const uid = { name: await field.name(), email: await field.email(), comment: await field.comment() };
  for (let i = 0; ; i++) {
    const shown = `${uid.name}${uid.comment ? ` (${uid.comment})` : ''} <${uid.email}>`;
    out(`You selected this USER-ID:\n    "${shown}"\n\n`);
    const choice = await ask('Change (N)ame, (C)omment, (E)mail or (O)kay/(Q)uit? ');
    const c = (choice ?? 'q').trim().toLowerCase();
    if (c === 'o') break;
    if (c === 'q' || i >= 10) fail('gpg: Key generation canceled.', 2);
    if (c === 'n') uid.name = await field.name();
    if (c === 'c') uid.comment = await field.comment();
    if (c === 'e') uid.email = await field.email();
  }
  const passphrase = await newPassphrase();
  out('We need to generate a lot of random bytes. It is a good idea to perform\nsome other action (type on the keyboard, move the mouse, utilize the\ndisks) during the prime generation; this gives the random number\ngenerator a better chance to gain enough entropy.\n');
  const fingerprint = randomBytes(20).toString('hex').toUpperCase();
  const salt = randomBytes(8).toString('hex');
  const created = new Date().toISOString().slice(0, 10);
  const key = { fingerprint, keyid: fingerprint.slice(-16), algo: `${algo}${bits}`, created, ...uid, salt, passphraseHash: hashOf(salt, passphrase) };
  saveKeyring(home, [...readKeyring(home), key]);
  out(`gpg: key ${key.keyid} marked as ultimately trusted\ngpg: revocation certificate stored as '${home}/.gnupg/openpgp-revocs.d/${fingerprint}.rev'\npublic and secret key created and signed.\n\n`);
  out(`pub   ${key.algo} ${created} [SC]\n      ${fingerprint}\nuid                      ${uid.name}${uid.comment ? ` (${uid.comment})` : ''} <${uid.email}>\nsub   ${key.algo} ${created} [E]\n\n`);
  return key;
}

/** pinentry for a signing key: three tries. */
export async function unlockKey(key) {
  requireTerminal('gpg: signing failed: Inappropriate ioctl for device');
  for (let i = 1; i <= 3; i++) {
    out(`\nPlease enter the passphrase to unlock the OpenPGP secret key:\n"${key.name} <${key.email}>"\n${key.algo.replace(/\d+$/, '').toUpperCase()} key, ID ${key.keyid},\ncreated ${key.created}.\n\n`);
    if (i > 1) out(`Bad Passphrase (try ${i} of 3)\n`);
    const p = await ask('Passphrase: ');
    if (p === null) break;
    if (checkPassphrase(key, p)) return;
  }
  fail('gpg: signing failed: Bad passphrase');
}

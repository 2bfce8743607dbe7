// A GnuPG keyring per user ($HOME/.gnupg/lab-keyring.json, passphrases only as salted hashes)
// and the interactive `gpg2 --full-generate-key` dialogue of GnuPG 2.2, its prompts in the
// node's language (gnupg2.mo), the passphrase asked by gpg-agent through pinentry-curses (a
// dialog: pinentry.mjs), which also warns about a weak passphrase the way gpg-agent's default
// constraints do (at least 8 characters, one of them not a letter), and caches an unlocked key
// for 10 minutes (default-cache-ttl 600).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ask, requireTerminal } from './prompt.mjs';
import { fail, out } from './main.mjs';
import { t, russian } from './i18n.mjs';
import { askPassphrase, confirmWeak } from './pinentry.mjs';
import { labState } from './env.mjs';
import { realArmoredPublicKey, realFingerprintOf, realKeys, realSign } from './real-gpg.mjs';

/** On a testbed node gpg is the real program: keys live in the real keyring (real-gpg.mjs). */
const realGpg = () => labState().testbed !== undefined;

function keyringFile(home) {
  return join(home, '.gnupg', 'lab-keyring.json');
}

export function readKeyring(home) {
  if (realGpg()) return realKeys(home);
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
  return (realGpg() ? realKeys(home, true) : readKeyring(home)).filter(
    (k) => k.email.toLowerCase() === q || k.fingerprint.toLowerCase().endsWith(q) || `${k.name} <${k.email}>`.toLowerCase().includes(q),
  );
}

/** ASCII-armoured "public key" (a lab stand-in: it carries the fingerprint and user id). */
export function armoredPublicKey(key) {
  if (realGpg()) return realArmoredPublicKey(key);
  const body = Buffer.from(JSON.stringify({ lab: 'pgp-public-key', fingerprint: key.fingerprint, uid: `${key.name} <${key.email}>` }))
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${body}\n-----END PGP PUBLIC KEY BLOCK-----\n`;
}

/** The fingerprint inside an exported key file's text, or undefined. */
export function fingerprintOf(armored) {
  if (realGpg()) return realFingerprintOf(armored);
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
    if (answer === null) fail(`\ngpg: ${t('Key generation canceled.')}`, 2);
    const verdict = accept(answer.trim());
    if (verdict.ok) return verdict.value;
    out(`${verdict.message}\n`);
  }
  return fail(`gpg: ${t('Key generation canceled.')}`, 2);
}

/** gpg-agent's check_passphrase_constraints with its defaults; the warning text, or undefined. */
function weakness(passphrase) {
  if ([...passphrase].length < 8) return 'Warning: You have entered an insecure passphrase.%0AA passphrase should be at least 8 characters long.';
  if (!/[^A-Za-z]/.test(passphrase)) return 'Warning: You have entered an insecure passphrase.%0AA passphrase should contain at least 1 digit or%0Aspecial character.';
  return undefined;
}

/** gpg-agent asks a new passphrase through pinentry: twice, warns about a weak one. */
async function newPassphrase() {
  let error;
  for (let round = 0; round < 3; round++) {
    const first = await askPassphrase(t('Please enter the passphrase to%0Aprotect your new key'), error);
    if (first === null) break;
    const weak = first.length ? weakness(first) : undefined;
    if (weak && (await confirmWeak(weak)) === null) break;
    const second = await askPassphrase(t('Please re-enter this passphrase'));
    if (second === null) break;
    if (first.length === 0) error = 'You have not entered a passphrase!';
    else if (first !== second) error = 'does not match - try again';
    else return first;
  }
  return fail('gpg: agent_genkey failed: No passphrase given\ngpg: key generation failed: No passphrase given', 2);
}

/** `gpg2 --full-generate-key` for `home`'s keyring; returns the new key. */
export async function fullGenerateKey(home) {
  requireTerminal("gpg: cannot open '/dev/tty': No such device or address");
  const ru = russian();
  out('gpg (GnuPG) 2.2.40; Copyright (C) 2022 g10 Code GmbH\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\n');
  out(ru
    ? `${t('Please select what kind of key you want:')}\n   (1) RSA и RSA (по умолчанию)\n   (2) DSA и Elgamal\n   (3) DSA (только для подписи)\n   (4) RSA (только для подписи)\n  (14) Имеющийся на карте ключ\n`
    : 'Please select what kind of key you want:\n   (1) RSA and RSA (default)\n   (2) DSA and Elgamal\n   (3) DSA (sign only)\n   (4) RSA (sign only)\n  (14) Existing key from card\n');
  const kind = await askUntil(t('Your selection? '), (a) => (['', '1', '2', '3', '4'].includes(a) ? { ok: true, value: a || '1' } : { ok: false, message: t('Invalid selection.') }));
  const algo = kind === '2' || kind === '3' ? 'dsa' : 'rsa';
  out(ru ? `длина ключей ${algo.toUpperCase()} может быть от 1024 до ${algo === 'dsa' ? 3072 : 4096}.\n` : `${algo.toUpperCase()} keys may be between 1024 and ${algo === 'dsa' ? 3072 : 4096} bits long.\n`);
  const bits = await askUntil(t('What keysize do you want? (%u) ').replace('%u', '3072'), (a) => {
    const n = a === '' ? 3072 : Number(a);
    return Number.isInteger(n) && n >= 1024 && n <= 4096 ? { ok: true, value: n } : { ok: false, message: `${algo} keysizes must be in the range 1024-4096` };
  });
  out(ru ? `Запрошенный размер ключа - ${bits} бит\n` : `Requested keysize is ${bits} bits\n`);
  let confirmed = false;
  for (let i = 0; i < 10 && !confirmed; i++) {
    out(ru
      ? 'Выберите срок действия ключа.\n         0 = не ограничен\n      <n>  = срок действия ключа - n дней\n      <n>w = срок действия ключа - n недель\n      <n>m = срок действия ключа - n месяцев\n      <n>y = срок действия ключа - n лет\n'
      : 'Please specify how long the key should be valid.\n         0 = key does not expire\n      <n>  = key expires in n days\n      <n>w = key expires in n weeks\n      <n>m = key expires in n months\n      <n>y = key expires in n years\n');
    const validity = await askUntil(t('Key is valid for? (%s) ').replace('%s', '0'), (a) => (/^(\d+[wmy]?)?$/.test(a) ? { ok: true, value: a || '0' } : { ok: false, message: 'invalid value' }));
    out(validity === '0' ? `${t('Key does not expire at all')}\n` : `Key expires in ${validity}\n`);
    const yes = await ask(t('Is this correct? (y/N) '));
    if (yes === null) fail(`\ngpg: ${t('Key generation canceled.')}`, 2);
    confirmed = /^(y|yes|да)$/i.test(yes.trim());
  }
  if (!confirmed) fail(`gpg: ${t('Key generation canceled.')}`, 2);
  out(ru ? '\nGnuPG должен составить идентификатор пользователя для идентификации ключа.\n\n' : '\nGnuPG needs to construct a user ID to identify your key.\n\n');
  const field = {
    name: () => askUntil(t('Real name: '), (a) => (a.length >= 5 ? { ok: true, value: a } : { ok: false, message: t('Name must be at least 5 characters long') })),
    email: () => askUntil(t('Email address: '), (a) => (/^[^\s@<>]+@[^\s@<>]+$/.test(a) ? { ok: true, value: a } : { ok: false, message: t('Not a valid email address') })),
    comment: () => askUntil(t('Comment: '), (a) => (/[()]/.test(a) ? { ok: false, message: 'Invalid character in comment' } : { ok: true, value: a })),
  };
  const uid = { name: await field.name(), email: await field.email(), comment: await field.comment() };
  for (let i = 0; ; i++) {
    const shown = `${uid.name}${uid.comment ? ` (${uid.comment})` : ''} <${uid.email}>`;
    out(ru ? `Вы выбрали следующий идентификатор пользователя:\n    "${shown}"\n\n` : `You selected this USER-ID:\n    "${shown}"\n\n`);
    const choice = await ask(t('Change (N)ame, (C)omment, (E)mail or (O)kay/(Q)uit? '));
    const c = (choice ?? 'q').trim().toLowerCase();
    if (c === 'o') break;
    if (c === 'q' || i >= 10) fail(`gpg: ${t('Key generation canceled.')}`, 2);
    if (c === 'n') uid.name = await field.name();
    if (c === 'c') uid.comment = await field.comment();
    if (c === 'e') uid.email = await field.email();
  }
  const passphrase = await newPassphrase();
  out(ru
    ? 'Необходимо получить много случайных чисел. Желательно, чтобы Вы\nв процессе генерации выполняли какие-то другие действия (печать\nна клавиатуре, движения мыши, обращения к дискам); это даст генератору\nслучайных чисел больше возможностей получить достаточное количество энтропии.\n'
    : 'We need to generate a lot of random bytes. It is a good idea to perform\nsome other action (type on the keyboard, move the mouse, utilize the\ndisks) during the prime generation; this gives the random number\ngenerator a better chance to gain enough entropy.\n');
  const fingerprint = randomBytes(20).toString('hex').toUpperCase();
  const salt = randomBytes(8).toString('hex');
  const created = new Date().toISOString().slice(0, 10);
  const key = { fingerprint, keyid: fingerprint.slice(-16), algo: `${algo}${bits}`, created, ...uid, salt, passphraseHash: hashOf(salt, passphrase) };
  saveKeyring(home, [...readKeyring(home), key]);
  out(`gpg: key ${key.keyid} marked as ultimately trusted\ngpg: revocation certificate stored as '${home}/.gnupg/openpgp-revocs.d/${fingerprint}.rev'\n${t('public and secret key created and signed.')}\n\n`);
  out(`pub   ${key.algo} ${created} [SC]\n      ${fingerprint}\nuid                      ${uid.name}${uid.comment ? ` (${uid.comment})` : ''} <${uid.email}>\nsub   ${key.algo} ${created} [E]\n\n`);
  return key;
}

const CACHE_TTL_MS = 600_000;

function cacheFile(home) {
  return join(home, '.gnupg', 'lab-agent-cache.json');
}

function readCache(home) {
  try {
    return JSON.parse(readFileSync(cacheFile(home), 'utf8'));
  } catch {
    return {};
  }
}

/** gpg-agent unlocking a signing key: a cached passphrase (10 minutes) or pinentry, three tries. */
export async function unlockKey(key, home) {
  if (realGpg()) {
    // the real agent asks through the real pinentry (and caches the passphrase itself)
    await realSign(key, `podsec-play: unlock ${key.fingerprint}\n`).catch((e) => fail(e.message));
    return;
  }
  const cache = readCache(home);
  if ((cache[key.fingerprint] ?? 0) > Date.now()) return;
  requireTerminal('gpg: signing failed: Inappropriate ioctl for device');
  const bits = key.algo.replace(/^\D+/, '');
  const kind = key.algo.replace(/\d+$/, '').toUpperCase();
  const description = russian()
    ? `${t('Please enter the passphrase to unlock the OpenPGP secret key:')}%0A"${key.name} <${key.email}>"%0A${bits}-битный ключ ${kind}, идентификатор ${key.keyid},%0Aсоздан ${key.created}.`
    : `${t('Please enter the passphrase to unlock the OpenPGP secret key:')}%0A"${key.name} <${key.email}>"%0A${bits}-bit ${kind} key, ID ${key.keyid},%0Acreated ${key.created}.`;
  for (let i = 1; i <= 3; i++) {
    const p = await askPassphrase(description, i > 1 ? `${t('Bad Passphrase')} (try ${i} of 3)` : undefined);
    if (p === null) break;
    if (checkPassphrase(key, p)) {
      mkdirSync(join(home, '.gnupg'), { recursive: true, mode: 0o700 });
      writeFileSync(cacheFile(home), JSON.stringify({ ...cache, [key.fingerprint]: Date.now() + CACHE_TTL_MS }) + '\n', { mode: 0o600 });
      return;
    }
  }
  fail('gpg: signing failed: Bad passphrase');
}

#!/usr/bin/env node
// gpg2 (and gpg) stand-in: --full-generate-key (interactive, on a terminal), --list-keys /
// --list-secret-keys / -k / -K, and --export [--armor] [--output FILE] UID, on $HOME's keyring.
// Models: GnuPG 2.2.40 (gpg2 on ALT) with gpg-agent and pinentry-curses (lib/gpg.mjs, lib/pinentry.mjs).
import { writeFileSync } from 'node:fs';
import { standin, fail, out } from './lib/main.mjs';
import { nodePath } from './lib/env.mjs';
import { fullGenerateKey, readKeyring, findKeys, armoredPublicKey } from './lib/gpg.mjs';

standin(async (args, record) => {
  const home = process.env.HOME ?? '';
  let output;
  const rest = [];
  let action;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--output' || a === '-o') output = args[++i];
    else if (a === '--full-generate-key' || a === '--full-gen-key' || a === '--gen-key' || a === '--generate-key') action = 'generate';
    else if (a === '--list-keys' || a === '-k' || a === '--list-secret-keys' || a === '-K' || a === '--list-public-keys') action = 'list';
    else if (a === '--export') action = 'export';
    else if (['--armor', '-a', '--batch', '--yes', '--quiet', '-q', '--no-tty', '--with-colons'].includes(a)) continue;
    else if (a.startsWith('-')) fail(`gpg: invalid option "${a}"`, 2);
    else rest.push(a);
  }
  if (action === 'generate') {
    const key = await fullGenerateKey(home);
    record.event = 'key-generated';
    record.fingerprint = key.fingerprint;
    return 0;
  }
  if (action === 'list') {
    const keys = rest.length ? rest.flatMap((q) => findKeys(home, q)) : readKeyring(home);
    if (rest.length && keys.length === 0) fail(`gpg: error reading key: No public key`, 2);
    if (keys.length) out(`${home}/.gnupg/pubring.kbx\n${'-'.repeat(home.length + 19)}\n`);
    for (const k of keys) out(`pub   ${k.algo} ${k.created} [SC]\n      ${k.fingerprint}\nuid           [ultimate] ${k.name} <${k.email}>\nsub   ${k.algo} ${k.created} [E]\n\n`);
    return 0;
  }
  if (action === 'export') {
    const keys = rest.flatMap((q) => findKeys(home, q));
    if (keys.length === 0) {
      process.stderr.write('gpg: WARNING: nothing exported\n');
      return 0;
    }
    const text = keys.map(armoredPublicKey).join('');
    if (output) writeFileSync(nodePath(output), text);
    else out(text);
    record.event = 'key-exported';
    return 0;
  }
  fail('gpg: the lab simulates --full-generate-key, --list-keys and --export only', 2);
});

// `passwd USER` on a terminal as ALT sets it up (pam_passwdqc): its introduction, then
// "Enter new password: " / "Re-type new password: " in the node's language (passwdqc's ru.po),
// three tries; the result kept as a salted hash in the node's /etc/shadow. What passwdqc would
// refuse as weak is not modelled.
import { createHash, randomBytes } from 'node:crypto';
import { readText, writeText } from './files.mjs';
import { ask, requireTerminal } from './prompt.mjs';
import { fail, out } from './main.mjs';
import { t } from './i18n.mjs';

export function setShadow(user, password) {
  const salt = randomBytes(8).toString('hex');
  const hash = createHash('sha256').update(`${salt}:${password}`).digest('hex');
  const rows = (readText('/etc/shadow') ?? '').split('\n').filter(Boolean).filter((r) => r.split(':')[0] !== user);
  rows.push(`${user}:$lab$${salt}$${hash}:${Math.floor(Date.now() / 86_400_000)}:0:99999:7:::`);
  writeText('/etc/shadow', rows.join('\n') + '\n', { mode: 0o600 });
}

export function checkShadow(user, password) {
  const row = (readText('/etc/shadow') ?? '').split('\n').find((r) => r.split(':')[0] === user);
  const m = row?.split(':')[1]?.match(/^\$lab\$([0-9a-f]+)\$([0-9a-f]+)$/);
  return !!m && createHash('sha256').update(`${m[1]}:${password}`).digest('hex') === m[2];
}

export async function changePassword(user) {
  requireTerminal('passwd: Authentication token manipulation error\npasswd: password unchanged');
  out(`Changing password for ${user}.\n`);
  out(`\n${t('You can now choose the new password or passphrase.')}\n\n`);
  for (let i = 0; i < 3; i++) {
    const first = await ask(t('Enter new password: '));
    if (first === null) break;
    out('\n');
    if (first.length === 0) continue;
    const second = await ask(t('Re-type new password: '));
    if (second === null) break;
    out('\n');
    if (first !== second) {
      out(`${t('Sorry, passwords do not match.')}\n${t('Try again.')}\n`);
      continue;
    }
    setShadow(user, first);
    out('passwd: all authentication tokens updated successfully.\n');
    return;
  }
  fail('passwd: Authentication token manipulation error\npasswd: password unchanged');
}

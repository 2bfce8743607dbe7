// `passwd USER` on a terminal: "New password:" / "Retype new password:", three tries, the result
// kept as a salted hash in the node's /etc/shadow.
import { createHash, randomBytes } from 'node:crypto';
import { readText, writeText } from './files.mjs';
import { ask, requireTerminal } from './prompt.mjs';
import { fail, out } from './main.mjs';

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
  for (let i = 0; i < 3; i++) {
    const first = await ask('New password: ');
    if (first === null) break;
    if (first.length === 0) {
      out('No password supplied\n');
      continue;
    }
    const second = await ask('Retype new password: ');
    if (second === null) break;
    if (first !== second) {
      out('Sorry, passwords do not match.\n');
      continue;
    }
    setShadow(user, first);
    out('passwd: all authentication tokens updated successfully.\n');
    return;
  }
  fail('passwd: Have exhausted maximum number of retries for service\npasswd: Authentication token manipulation error\npasswd: password unchanged');
}

// The image maker's dialog against the REAL programs no one here wrote: Debian's passwd (PAM),
// GnuPG 2.2's `gpg --full-generate-key` with gpg-agent asking through pinentry-curses, then a
// signature that needs the passphrase again — over a real OpenSSH session with a PTY, answered
// by the podsec-imagemaker and sign-images steps' own answers (steps/lib/imagemaker.ts) through
// the SSH transport's screen-reading prompt watcher. Once with LANG=C, once on a Russian host.
//
// The script the session runs does what podsec-create-imagemakeruser does (podsec/bin/
// podsec-create-imagemakeruser, alt-cloud/podsec commit 5014172) with a throwaway user: adds it,
// `passwd USER` on the terminal, then gpg under `su - USER`. One difference, Debian's: its su
// (util-linux) runs `-c` commands without a controlling terminal unless given --pty, and gpg then
// cannot open /dev/tty; so the script says `su -P -` where podsec says `su -`. A "Russian host" is
// root's session with LANG=ru_RU.UTF-8 and the user's login profile setting the same (`su -`
// starts from the login environment, not the caller's). The user, its home and its gpg-agent are
// removed afterwards. Missing programs or locale fail the suite.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport } from '../../engine/transport/ssh/index.js';
import type { ExecResult, Transport } from '../../engine/transport/types.js';
import { imagemakerAnswers, signingAnswers } from '../../steps/lib/imagemaker.js';
import { secretsOf, startBed, testHost, testInventory, type Bed } from '../helpers/openssh.js';

const run = promisify(execFile);

const PROGRAMS = ['/usr/bin/gpg', '/usr/bin/gpgconf', '/usr/bin/pinentry-curses', '/usr/bin/passwd', '/usr/sbin/useradd', '/usr/sbin/userdel', '/usr/bin/su', '/usr/bin/pgrep'];

async function requirePrograms(): Promise<void> {
  const missing = PROGRAMS.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: install gnupg, pinentry-curses, passwd, util-linux, procps (see .ci/run)`);
  const { stdout } = await run('locale', ['-a']);
  if (!/^ru_RU\.utf-?8$/im.test(stdout)) throw new Error('the ru_RU.UTF-8 locale is not generated (locales: enable it in /etc/locale.gen, run locale-gen; see .ci/run)');
  if (process.getuid?.() !== 0) throw new Error('this suite adds a throwaway user: it must run as root (as CI does)');
}

/** What podsec-create-imagemakeruser does, with Debian's programs (and `su -P`), plus a signing. */
const SCRIPT = `#!/bin/sh
# usage: imagemaker USER [USER_LANG] | sign USER EMAIL FILE
mode=$1 user=$2
case $mode in
imagemaker)
  useradd -m -s /bin/sh "$user" || exit 1
  mkdir -p /home/$user/.gnupg && chmod 700 /home/$user/.gnupg
  echo 'pinentry-program /usr/bin/pinentry-curses' > /home/$user/.gnupg/gpg-agent.conf
  if [ -n "\${3:-}" ]; then echo "export LANG=$3" > /home/$user/.profile; fi
  chown -R "$user" /home/$user
  echo "Enter the password for user $user - the container image developer" >&2
  passwd "$user" || exit 2
  su -P - "$user" -c 'gpg --full-generate-key' || exit 3
  su -P - "$user" -c 'gpg --list-keys --with-colons' | grep -q '^pub:' || { echo "Public key not found" >&2; exit 4; }
  ;;
sign)
  su -P - "$user" -c 'gpgconf --kill gpg-agent'
  echo podsec > /home/$user/data && chown "$user" /home/$user/data
  su -P - "$user" -c "gpg --local-user $3 --output data.sig --sign data" || exit 5
  su -P - "$user" -c 'gpg --verify data.sig' || exit 6
  ;;
esac
`;

describe('the image maker dialog against the real passwd, gpg and pinentry-curses over OpenSSH', () => {
  let bed: Bed;
  let transport: Transport;
  let script: string;
  const users: string[] = [];

  beforeAll(async () => {
    await requirePrograms();
    bed = await startBed('127.0.0.12');
    script = join(bed.dir, 'imagemaker.sh');
    await writeFile(script, SCRIPT);
    await chmod(script, 0o755);
    const host = testHost('node-1', bed.sshd);
    const inventory = testInventory(bed.dir, [host], { identityFile: './id_ed25519', knownHosts: './known_hosts' });
    transport = createSshTransport(host, inventory, {
      secrets: secretsOf({}),
      acceptNewHostKeys: false,
      inventoryHosts: inventory.hosts,
      inventoryDir: bed.dir,
      sshConfigFile: '/nonexistent/ssh_config',
      onLog: () => undefined,
    });
  });

  afterAll(async () => {
    for (const user of users) {
      await run('su', ['-', user, '-c', 'gpgconf --kill gpg-agent']).catch(() => undefined);
      // whatever the user still runs was started by this test (its gpg-agent, say): by pid
      const { stdout } = await run('pgrep', ['-u', user]).catch(() => ({ stdout: '' }));
      for (const pid of stdout.split('\n').map(Number).filter((n) => n > 0)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await run('userdel', ['-r', user]).catch(() => undefined);
    }
    await transport?.close();
    await bed?.stop();
  });

  async function dialog(lang: string): Promise<{ keygen: ExecResult; sign: ExecResult }> {
    const user = `podsecim${process.pid}${lang === 'C' ? 'c' : 'r'}`.slice(0, 31);
    users.push(user);
    const email = `${user}@registry.local`;
    const password = 'Pw-for-the-image-maker-2025';
    const passphrase = 'Gpg-passphrase-of-the-test-1';
    const env = { LANG: lang };
    const keygen = await transport.exec(`${script} imagemaker ${user} ${lang}`, {
      pty: true,
      env,
      timeoutMs: 120_000,
      answers: imagemakerAnswers({ password, passphrase, realName: 'Image Maker', email }),
    });
    const sign = await transport.exec(`${script} sign ${user} ${email}`, { pty: true, env, timeoutMs: 60_000, answers: signingAnswers(passphrase, false) });
    for (const secret of [password, passphrase]) expect(keygen.stdout + sign.stdout).not.toContain(secret);
    return { keygen, sign };
  }

  it('LANG=C: passwd, gpg\'s questions, pinentry\'s dialog twice, then the signing dialog', async () => {
    const { keygen, sign } = await dialog('C');
    expect(keygen.exitCode, keygen.stdout.slice(-2000)).toBe(0);
    expect(keygen.stdout).toContain('New password');
    expect(keygen.stdout).toContain('Your selection?');
    expect(keygen.stdout).toContain('\u001b[?1049h'); // pinentry-curses on the alternate screen
    expect(keygen.stdout).toContain('public and secret key created and signed.');
    expect(sign.exitCode, sign.stdout.slice(-2000)).toBe(0);
    expect(sign.stdout).toContain('Good signature from "Image Maker');
  }, 240_000);

  it('ru_RU.UTF-8: the same dialog in Russian', async () => {
    const { keygen, sign } = await dialog('ru_RU.UTF-8');
    expect(keygen.exitCode, keygen.stdout.slice(-2000)).toBe(0);
    expect(keygen.stdout).toContain('Новый пароль');
    expect(keygen.stdout).toContain('Ваш выбор?');
    expect(keygen.stdout).toContain('Фраза-пароль');
    expect(keygen.stdout).toContain('открытый и секретный ключи созданы и подписаны.');
    expect(sign.exitCode, sign.stdout.slice(-2000)).toBe(0);
    expect(sign.stdout).toContain('Действительная подпись пользователя "Image Maker');
  }, 240_000);
});

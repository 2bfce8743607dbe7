// Running a command as another node user (the sudo, su and machinectl stand-ins): the effective
// user travels in LAB_USER (unset for root), HOME becomes that user's home inside the node. A
// login (`su -`, `sudo -i`, machinectl shell) starts from the login environment: the caller's
// locale is gone, the node's system locale (/etc/locale.conf) is in force.
import { spawn } from 'node:child_process';
import { nodePath } from './env.mjs';
import { userEntry } from './users.mjs';
import { fail } from './main.mjs';
import { readText } from './files.mjs';

/** LANG of a login session on this node: /etc/locale.conf, else C.UTF-8. */
export function systemLocale() {
  const m = (readText('/etc/locale.conf') ?? '').match(/^\s*LANG=["']?([^"'\s]+)/m);
  return m ? m[1] : 'C.UTF-8';
}

export function runAs(user, argv, { login = false } = {}) {
  const entry = userEntry(user);
  if (!entry) fail(`unknown user ${user}`);
  const home = nodePath(entry.home);
  const env = { ...process.env, HOME: home, USER: entry.name, LOGNAME: entry.name };
  if (login) {
    for (const k of Object.keys(env)) if (k === 'LANGUAGE' || k.startsWith('LC_')) delete env[k];
    env.LANG = systemLocale();
  }
  if (entry.uid === 0) delete env.LAB_USER;
  else env.LAB_USER = entry.name;
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env, cwd: login ? home : process.cwd() });
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
    child.on('error', (e) => {
      process.stderr.write(`${argv[0]}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
      resolve(e.code === 'ENOENT' ? 127 : 126);
    });
    child.on('close', (code, signal) => resolve(signal ? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15) : (code ?? 0)));
  });
}

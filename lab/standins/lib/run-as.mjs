// Running a command as another node user (the sudo and su stand-ins): the effective user travels
// in LAB_USER (unset for root), HOME becomes that user's home inside the node.
import { spawn } from 'node:child_process';
import { nodePath } from './env.mjs';
import { userEntry } from './users.mjs';
import { fail } from './main.mjs';

export function runAs(user, argv, { login = false } = {}) {
  const entry = userEntry(user);
  if (!entry) fail(`unknown user ${user}`);
  const home = nodePath(entry.home);
  const env = { ...process.env, HOME: home, USER: entry.name, LOGNAME: entry.name };
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

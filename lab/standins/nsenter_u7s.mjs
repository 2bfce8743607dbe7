#!/usr/bin/env node
// /usr/libexec/podsec/u7s/bin/nsenter_u7s stand-in (usernetes/bin/nsenter_u7s, alt-cloud/podsec
// commit 5014172): enters u7s-admin's RootlessKit namespaces (only while u7s.service runs) and
// runs the command there; inside, u7s-admin is root (LAB_U7S_NAMESPACE=1 tells the stand-ins).
import { spawn } from 'node:child_process';
import { standin, fail } from './lib/main.mjs';
import { currentUser } from './lib/env.mjs';
import { nsenterU7s } from './lib/namespace.mjs';

standin(async (args, record) => {
  if (currentUser() !== 'u7s-admin' && currentUser() !== 'root') fail('nsenter: cannot open /proc/…/ns/user: Permission denied');
  if (!nsenterU7s()) return 1;
  record.namespace = 'u7s-admin';
  const [cmd, ...rest] = args.length ? args : [process.env.SHELL ?? '/bin/sh'];
  return new Promise((resolve) => {
    const child = spawn(cmd, rest, { stdio: 'inherit', env: { ...process.env, LAB_U7S_NAMESPACE: '1' } });
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
    child.on('error', (e) => {
      process.stderr.write(`nsenter: failed to execute ${cmd}: ${e.code === 'ENOENT' ? 'No such file or directory' : e.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : (code ?? 0)));
  });
});

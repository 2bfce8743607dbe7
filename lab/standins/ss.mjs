#!/usr/bin/env node
// ss stand-in (iproute2 6.1): the node's listening sockets — sshd while it runs, what its running
// units publish (rootlesskit for u7s, haproxy's frontends, nginx, docker-registry) and the extra
// ones its /var/lib/lab/host.json lists (a port taken on purpose). `ss -l [-n] [-t] [-u] [-p] [-H]`.
import { standin, fail, out } from './lib/main.mjs';
import { listeningOf } from './lib/host.mjs';

standin(async (args) => {
  const letters = new Set();
  for (const a of args) {
    if (/^-[A-Za-z]+$/.test(a)) for (const c of a.slice(1)) letters.add(c);
    else if (a === '--listening') letters.add('l');
    else if (a === '--numeric') letters.add('n');
    else if (a === '--tcp') letters.add('t');
    else if (a === '--udp') letters.add('u');
    else if (a === '--processes') letters.add('p');
    else if (a === '--no-header') letters.add('H');
    else fail(`lab: ss simulates listing listening sockets (-l -n -t -u -p -H) only, not "${a}"`, 1);
  }
  if (!letters.has('l')) fail('lab: ss simulates listening sockets only (-l)', 1);
  const tcp = letters.has('t') || !letters.has('u');
  const udp = letters.has('u');
  const rows = listeningOf().filter((s) => (s.proto === 'tcp' && tcp) || (s.proto === 'udp' && udp));
  const lines = [];
  if (!letters.has('H')) lines.push('Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess');
  for (const s of rows) {
    const state = s.proto === 'tcp' ? 'LISTEN' : 'UNCONN';
    const peer = s.address.startsWith('[') ? '[::]:*' : '0.0.0.0:*';
    const proc = letters.has('p') && s.process ? ` users:(("${s.process}",pid=${1000 + s.port},fd=3))` : '';
    lines.push(`${s.proto.padEnd(5)} ${state.padEnd(6)} 0      ${s.proto === 'tcp' ? '4096' : '0   '}   ${`${s.address}:${s.port}`.padStart(14)} ${peer.padStart(10)}${proc}`);
  }
  out(lines.length ? lines.join('\n') + '\n' : '');
  return 0;
});

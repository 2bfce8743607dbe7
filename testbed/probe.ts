// Looking at a running testbed from the controller, the way an admin with a console would: which
// LB node carries the VIP (its eth0, as the kernel has it), whether an address answers the
// Kubernetes API's /healthz over TLS, and what haproxy's master CLI says about its servers. The
// tests and `npm run bench` (failover timings) ask these questions.
import { request } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { runHost } from './host-command.js';

/** The names (of `candidates`) whose namespace has `vip` on eth0 right now. */
export async function vipCarriers(ip: string, vip: string, candidates: { name: string; netns: string }[]): Promise<string[]> {
  const held = await Promise.all(
    candidates.map(async (c) => {
      const r = await runHost(ip, ['-n', c.netns, '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
      return r.code === 0 && r.stdout.includes(` ${vip}/`) ? c.name : undefined;
    }),
  );
  return held.filter((n): n is string => n !== undefined);
}

/** Does https://address:port/healthz answer 200 within `timeoutMs` (TLS, any certificate)? */
export function apiAnswers(address: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: address, port, path: '/healthz', rejectUnauthorized: false, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export interface HaproxyServer {
  backend: string;
  name: string;
  address: string;
  /** haproxy's srv_op_state: 0 stopped (DOWN), 1 starting, 2 running (UP), 3 stopping. */
  state: number;
  up: boolean;
}

/** `show servers state` through the master CLI socket of an LB node's haproxy (its /run is
 * DIR/nodes/NAME/run; a unix socket path reaches across network namespaces). */
export function haproxyServers(nodeRoot: string): Promise<HaproxyServer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(join(nodeRoot, 'run/haproxy-master.sock'), () => socket.end('@1 show servers state\n'));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', reject);
    socket.on('end', () => {
      const rows = text
        .split('\n')
        .filter((l) => /^\d+ /.test(l))
        .map((l) => l.split(' '))
        .map((c) => ({ backend: c[1] ?? '', name: c[3] ?? '', address: c[4] ?? '', state: Number(c[5]), up: Number(c[5]) === 2 }));
      resolve(rows);
    });
  });
}

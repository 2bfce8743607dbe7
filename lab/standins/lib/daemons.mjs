// Real daemons behind systemd units on a testbed node (testbed/: the node is a set of Linux
// namespaces, and this stand-in runs inside them). Where a lab node only records a unit's state,
// a testbed node starts and stops the real program: sshd, haproxy, keepalived, and for u7s on a
// control plane the lab's Kubernetes API server on ADDRESS:6443. Paths are the node's own (/run,
// /var/log are bind-mounted per node); another node's files are read through its root in DIR.
// Everything here is synchronous: it is called from code that changes unit state in line.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { NODE, labState, nodeInfo } from './env.mjs';
import { exists, fileOf } from './files.mjs';
import { sleepMs } from './lock.mjs';

/** The testbed record in DIR/lab.json ({programs, apiServer, …}), or undefined on a lab. */
export function testbedInfo() {
  return labState().testbed;
}

/** How each unit's real program runs, on `node` (undefined: the unit has no real daemon there). */
function daemonFor(unit, node = NODE) {
  const tb = testbedInfo();
  if (!tb) return undefined;
  const p = tb.programs;
  switch (unit) {
    case 'sshd':
      // Forks once its listeners are bound (like Type=forking); -E: no syslog in a node.
      return { unit, argv: [p.sshd, '-f', '/etc/ssh/sshd_config', '-E', '/var/log/sshd.log'], forks: true, pidFile: '/run/sshd.pid', log: '/var/log/sshd.log', port: 22, match: p.sshd };
    case 'haproxy':
      // As Debian's and ALT's haproxy.service: master-worker in the foreground, a master CLI
      // socket; what journald would keep goes to /var/log/haproxy.log (server UP/DOWN included).
      return { unit, argv: [p.haproxy, '-Ws', '-f', '/etc/haproxy/haproxy.cfg', '-p', '/run/haproxy.pid', '-S', '/run/haproxy-master.sock'], pidFile: '/run/haproxy.pid', log: '/var/log/haproxy.log', match: p.haproxy };
    case 'keepalived':
      return { unit, argv: [p.keepalived, '--dont-fork', '--log-console', '--log-detail', '-f', '/etc/keepalived/keepalived.conf', '-p', '/run/keepalived.pid'], pidFile: '/run/keepalived.pid', log: '/var/log/keepalived.log', match: p.keepalived };
    case 'u7s': {
      // Only a control plane serves the API (its static pod manifest says so).
      if (!exists('/etc/kubernetes/manifests/kube-apiserver.yaml', node)) return undefined;
      const address = nodeInfo(node)?.internalAddress;
      const [program, ...args] = tb.apiServer;
      // The lab's API server (apiserver/serve.mjs) for this control plane only. It writes no pid
      // file of its own (as a Type=simple unit: systemd knows the pid), so the start records it.
      return { unit, argv: [program, ...args, '--apiserver', `${node}=${address}:6443`], pidFile: '/run/u7s-apiserver.pid', writePid: true, log: '/var/log/u7s-apiserver.log', port: 6443, match: args[0] };
    }
    case 'docker-registry':
    case 'nginx': {
      // the registry host's HTTP services: real sockets for the real curl (lib/http-daemon.mjs)
      const address = nodeInfo(node)?.internalAddress;
      const [flag, port] = unit === 'nginx' ? ['--sigstore', 81] : ['--registry', 80];
      const script = fileURLToPath(new URL('./http-daemon.mjs', import.meta.url));
      return { unit, argv: [process.execPath, script, flag, `${address}:${port}`], pidFile: `/run/${unit}.pid`, writePid: true, log: `/var/log/${unit}.log`, port, match: `${script} ${flag}` };
    }
    default:
      return undefined;
  }
}

/** Thrown when a real daemon does not come up; the message is what its log said. */
export class DaemonError extends Error {}

function pidOf(d, node) {
  try {
    const pid = Number(readFileSync(fileOf(d.pidFile, node), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive, not a zombie, and still the program the pid file was written for. */
function alive(pid, match) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z /.test(stat)) return false;
    // a substring: sshd rewrites its title ("sshd: /usr/sbin/sshd -f … [listener] …")
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(match);
  } catch {
    return false;
  }
}

/** Has the process exited (gone, or a zombie)? Unlike `alive`, true only once it has: a child
 * just spawned still has node's command line until it has exec'd the daemon. */
function exited(pid) {
  try {
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Is something listening on TCP `port` in this network namespace (the node's)? */
function listening(port) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(hex) && cols[3] === '0A') return true;
    }
  }
  return false;
}

/** Does the unit have a real daemon on `node`, and is it running? (undefined: no daemon) */
export function daemonRunning(unit, node = NODE) {
  const d = daemonFor(unit, node);
  if (!d) return undefined;
  const pid = pidOf(d, node);
  return pid !== undefined && alive(pid, d.match);
}

function tail(file, bytes = 2000) {
  try {
    const size = statSync(file).size;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    closeSync(fd);
    return buf.toString('utf8').trim();
  } catch {
    return '';
  }
}

function waitUntil(check, ms) {
  const deadline = Date.now() + ms;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    sleepMs(wait);
  }
}

/** Start the unit's real daemon on this node and wait until it runs (and listens, for those
 * with a port). Throws DaemonError with its log's last lines when it does not. */
export function startDaemon(unit) {
  const d = daemonFor(unit);
  if (!d || daemonRunning(unit)) return;
  const log = fileOf(d.log);
  mkdirSync(dirname(log), { recursive: true });
  rmSync(fileOf(d.pidFile), { force: true });
  const from = (() => {
    try {
      return statSync(log).size;
    } catch {
      return 0;
    }
  })();
  const fd = openSync(log, 'a');
  let child;
  try {
    if (d.forks) {
      const r = spawnSync(d.argv[0], d.argv.slice(1), { stdio: ['ignore', fd, fd] });
      if (r.status !== 0) throw new DaemonError(newLog(log, from) || `${d.argv[0]} exited ${r.status ?? r.signal}`);
    } else {
      child = spawn(d.argv[0], d.argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
      child.unref();
      // (Type=simple: systemd knows the pid; a program writing no pid file gets one here)
      if (d.writePid) writeFileSync(fileOf(d.pidFile), `${child.pid}\n`);
    }
  } finally {
    closeSync(fd);
  }
  const up = waitUntil(() => {
    if (child && exited(child.pid)) return true; // exited: reported below
    return daemonRunning(unit) && (d.port === undefined || listening(d.port));
  }, 20_000);
  if (!up || !daemonRunning(unit) || (d.port !== undefined && !listening(d.port))) {
    // (a daemon that did not come up is not left running unseen: it would hold its ports)
    if (child && !exited(child.pid)) killGroup(child.pid);
    throw new DaemonError(newLog(log, from) || `${d.argv[0]} did not start`);
  }
}

/** SIGKILL to the process group a detached child leads (haproxy's master and its workers). */
function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

function newLog(file, from) {
  const all = tail(file, 4000);
  try {
    const size = statSync(file).size;
    return size > from ? tail(file, Math.min(4000, size - from)) : all;
  } catch {
    return all;
  }
}

/** Stop the unit's real daemon on this node (SIGTERM, then SIGKILL after 10 s) and wait until
 * it is gone and, for sshd and the API server, until its port refuses connections. */
export function stopDaemon(unit) {
  const d = daemonFor(unit);
  if (!d) return;
  const pid = pidOf(d);
  if (pid !== undefined && alive(pid, d.match)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
    if (!waitUntil(() => !alive(pid, d.match), 10_000)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      waitUntil(() => !alive(pid, d.match), 5000);
    }
  }
  rmSync(fileOf(d.pidFile), { force: true });
  if (d.port !== undefined && !waitUntil(() => !listening(d.port), 10_000)) {
    throw new DaemonError(`port ${d.port} still accepts connections after ${unit} stopped`);
  }
}

/** The units this node has a real daemon for (boot starts the enabled ones). */
export const DAEMON_UNITS = ['sshd', 'u7s', 'docker-registry', 'nginx', 'haproxy', 'keepalived'];

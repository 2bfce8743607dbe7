// A testbed node's "init": one long-lived process per node, started inside the node's network
// namespace, that unshares a mount and a UTS namespace, bind-mounts the node's own directories
// over /etc, /var, /root, /home, /run and /tmp (so every program uses real absolute paths), puts
// the stand-ins on the PATH and its own /usr files over the host's, sets the hostname, and then sleeps holding those namespaces. sshd
// and every daemon of the node start inside them (nsenter -t INIT -m -u -n), and so does every
// command that arrives over SSH.
import { spawn } from 'node:child_process';
import { PlayError } from '../engine/errors.js';
import { quote } from '../engine/util/shell.js';

/** The directories each node has of its own (the host's stay hidden from it). */
export const NODE_DIRS = ['etc', 'var', 'root', 'home', 'run', 'tmp'] as const;

export interface InitScriptOptions {
  /** DIR/nodes/NAME: the node's disk. */
  root: string;
  hostname: string;
  /** Host paths the node must still see at the same path (the testbed DIR, the stand-ins, node). */
  shared: string[];
  /** DIR/bin: the stand-ins, laid over /usr/local/bin (first on every PATH, sudo's included). */
  binDir: string;
  /** Directories of /usr the node has files of its own in (DIR/nodes/NAME/usr/X: the podsec
   * wrapper in libexec, say), each laid over the host's /usr/X. */
  usrLayers?: string[];
}

/** Is `path` hidden by one of the node's own directories? */
export function hiddenInNode(path: string): boolean {
  return NODE_DIRS.some((d) => path === `/${d}` || path.startsWith(`/${d}/`));
}

/** The outermost of the paths (a path inside another one is visible through it). */
function outermost(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => a.length - b.length);
  return sorted.filter((p, i) => !sorted.slice(0, i).some((q) => p === q || p.startsWith(q + '/')));
}

/** overlayfs takes lowerdir=A:B: a path with ':' or ',' cannot be one. */
function overlayPath(path: string): string {
  if (/[:,\s]/.test(path)) throw new PlayError(`the testbed cannot use ${path}: a path with ':', ',' or spaces cannot be an overlay layer (choose another --dir)`, { code: 'E_USAGE' });
  return path;
}

/** The init's shell script (run by sh inside the fresh mount and UTS namespaces). */
export function initScript(o: InitScriptOptions): string {
  const shared = outermost(o.shared).filter(hiddenInNode);
  // File descriptors keep hold of host directories that the binds below are about to hide;
  // /proc/self/fd/N then names them (mount must not canonicalise it back into a path).
  const fds = [o.root, ...shared].map((p, i) => `${i + 3}<${quote(p)}`);
  const lines = [
    'set -eu',
    `exec ${fds.join(' ')}`,
    ...NODE_DIRS.map((d) => `mount --no-canonicalize --bind /proc/self/fd/3/${d} /${d}`),
    ...shared.map((p, i) => `mkdir -p ${quote(p)} && mount --no-canonicalize --bind /proc/self/fd/${i + 4} ${quote(p)}`),
    `mount -t overlay overlay -o ro,lowerdir=${quote(`${overlayPath(o.binDir)}:/usr/local/bin`)} /usr/local/bin`,
    ...(o.usrLayers ?? []).map((d) => `mount -t overlay overlay -o ro,lowerdir=${quote(`${overlayPath(o.root)}/usr/${d}:/usr/${d}`)} /usr/${d}`),
    // `ip netns exec` gave the node a fresh /sys with nothing at /sys/fs/cgroup: the unified
    // hierarchy there, as on a systemd host (the kernel is the host's; kubelet is not real)
    'mount -t cgroup2 cgroup2 /sys/fs/cgroup',
    `exec ${fds.map((_, i) => `${i + 3}<&-`).join(' ')}`,
    `printf '%s' ${quote(o.hostname)} > /proc/sys/kernel/hostname`,
    'echo ready',
    'exec sleep infinity </dev/null >/dev/null 2>&1',
  ];
  return lines.join('\n') + '\n';
}

export interface StartInitOptions extends InitScriptOptions {
  ip: string;
  unshare: string;
  netns: string;
}

/** Start the init in the node's network namespace; resolves with its pid once its mounts are
 * in place (the pid is that of the sleeping process: ip, unshare and sh all exec). */
export function startInit(o: StartInitOptions): Promise<number> {
  const script = initScript(o);
  return new Promise((resolve, reject) => {
    const child = spawn(o.ip, ['netns', 'exec', o.netns, o.unshare, '--mount', '--uts', '--propagation', 'private', '/bin/sh', '-c', script], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const fail = (why: string) => reject(new PlayError(`node ${o.hostname}: its namespaces could not be set up: ${why}`, { code: 'E_STATE' }));
    child.on('error', (e) => fail(e.message));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) {
        child.stdout.destroy();
        child.stderr.destroy();
        child.removeAllListeners('exit');
        child.unref();
        resolve(child.pid as number);
      }
    });
    child.on('exit', (code, signal) => fail((err.trim() || `the init exited ${code ?? signal}`).split('\n').slice(-5).join('\n')));
  });
}

/** argv for running a program inside a node (its mount, UTS and network namespaces). */
export function inNode(nsenter: string, initPid: number, argv: string[]): [string, string[]] {
  return [nsenter, ['-t', String(initPid), '-m', '-u', '-n', '--', ...argv]];
}

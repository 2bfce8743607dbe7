// Real OpenSSH servers for the SSH transport's end-to-end tests: each sshd is its own process
// with its own config, host key and port on 127.0.0.x, started in the foreground (-D) so its
// pid is ours to stop. Missing binaries or a failed bind throw: the suite fails, never skips.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Host, Inventory, SshSettings } from '../../engine/model.js';
import type { SecretSource } from '../../engine/secrets/store.js';

const run = promisify(execFile);

export const SSHD = '/usr/sbin/sshd';

/** Throws (so the suite fails) when the OpenSSH programs are not installed. */
export function requireOpenSsh(): void {
  for (const bin of [SSHD, '/usr/bin/ssh-keygen', '/usr/bin/ssh-agent', '/usr/bin/ssh-add']) {
    if (!existsSync(bin)) {
      throw new Error(`${bin} is missing: install openssh-server and openssh-client (apt-get install openssh-server)`);
    }
  }
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `podsec-${prefix}-`));
  // Readable by other users: a non-root test user's sshd session reads authorized_keys here.
  await chmod(dir, 0o755);
  return dir;
}

export interface KeyPair {
  privatePath: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicLine: string;
}

export async function keygen(path: string, options: { passphrase?: string; type?: string } = {}): Promise<KeyPair> {
  await run('ssh-keygen', ['-q', '-t', options.type ?? 'ed25519', '-N', options.passphrase ?? '', '-C', 'podsec-test', '-f', path]);
  return { privatePath: path, publicLine: (await readFile(`${path}.pub`, 'utf8')).trim() };
}

/** A free TCP port on an address (the kernel picks it; sshd binds it right after). */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface SshdOptions {
  address?: string;
  /** Public key lines allowed to log in (any user). */
  authorizedKeys: string[];
  /** Extra sshd_config lines. */
  extraConfig?: string[];
}

export interface Sshd {
  address: string;
  port: number;
  pid: number;
  dir: string;
  /** The host public key: `ssh-ed25519 AAAA…` (type and base64). */
  hostKeyType: string;
  hostKeyBase64: string;
  /** known_hosts line for this server. */
  knownHostsLine(): string;
  /** Pids of the per-connection sshd processes (children of the listener). */
  sessionPids(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startSshd(options: SshdOptions): Promise<Sshd> {
  requireOpenSsh();
  await mkdir('/run/sshd', { recursive: true });
  const address = options.address ?? '127.0.0.1';
  const dir = await tempDir('sshd');
  const hostKey = await keygen(join(dir, 'ssh_host_ed25519_key'));
  const authorized = join(dir, 'authorized_keys');
  await writeFile(authorized, options.authorizedKeys.map((k) => `${k}\n`).join(''), { mode: 0o644 });
  const [hostKeyType = '', hostKeyBase64 = ''] = hostKey.publicLine.split(/\s+/);

  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(address);
    const config = join(dir, 'sshd_config');
    await writeFile(
      config,
      [
        // sshd keeps the first value of a keyword: the test's own lines come first.
        ...(options.extraConfig ?? []),
        `ListenAddress ${address}`,
        `Port ${port}`,
        `HostKey ${hostKey.privatePath}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'UsePAM no',
        `AuthorizedKeysFile ${authorized}`,
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'Subsystem sftp internal-sftp',
        // bash reads ~/.bashrc for commands run by sshd only while SHLVL < 2 (see LIBRARY-FACTS §7).
        'SetEnv SHLVL=1',
        'LogLevel INFO',
        '',
      ].join('\n'),
    );
    await run(SSHD, ['-t', '-f', config]);
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const started = await waitListening(child, address, port);
    if (started.ok) {
      const pid = child.pid ?? 0;
      return {
        address,
        port,
        pid,
        dir,
        hostKeyType,
        hostKeyBase64,
        knownHostsLine: () => `[${address}]:${port} ${hostKeyType} ${hostKeyBase64}`,
        sessionPids: () => childPids(pid),
        stop: async () => {
          // Sessions outlive the listener: end any a test left behind, then the listener.
          const left = await childPids(pid);
          const below = (await Promise.all(left.map((p) => descendants(p)))).flat();
          for (const p of [...left, ...below]) killQuietly(p, 'SIGKILL');
          await stopProcess(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    lastError = started.stderr;
    if (!/Address already in use|Cannot bind/i.test(lastError)) break;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start on ${address}: ${lastError}`);
}

function waitListening(child: ChildProcess, address: string, port: number): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    const onData = (chunk: Buffer): void => {
      stderr += chunk.toString(); if (process.env.SSHD_DEBUG) process.stderr.write(chunk);
      if (stderr.includes(`Server listening on ${address} port ${port}`)) {
        // Keep draining stderr so sshd never blocks on a full pipe.
        resolve({ ok: true, stderr });
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', () => resolve({ ok: false, stderr }));
    child.once('error', (err) => resolve({ ok: false, stderr: `${stderr}${err.message}` }));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

export async function childPids(pid: number): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-P', String(pid)]);
    return stdout
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

/** Every process below `pid`, children before grandchildren. */
export async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const child of await childPids(pid)) out.push(child, ...(await descendants(child)));
  return out;
}

/** Kill every live session of an sshd (the connection drops; the listener stays), then the
 * commands those sessions were running, so nothing outlives the test. */
export async function killSessions(sshd: Sshd): Promise<number> {
  const sessions = await sshd.sessionPids();
  const below = (await Promise.all(sessions.map((p) => descendants(p)))).flat();
  for (const pid of [...sessions, ...below]) killQuietly(pid, 'SIGKILL');
  return sessions.length;
}

export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export interface Agent {
  socket: string;
  pid: number;
  stop(): Promise<void>;
}

/** ssh-agent on its own socket, with the given keys added. */
export async function startAgent(dir: string, keys: string[]): Promise<Agent> {
  const socket = join(dir, 'agent.sock');
  const { stdout } = await run('ssh-agent', ['-s', '-a', socket]);
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(stdout)?.[1]);
  if (!pid) throw new Error(`ssh-agent did not report its pid: ${stdout}`);
  for (const key of keys) await run('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
  return {
    socket,
    pid,
    stop: async () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await rm(socket, { force: true });
    },
  };
}

/** A host entry as the loader would produce it. */
export function testHost(name: string, sshd: { address: string; port: number }, extra: Partial<Host> = {}): Host {
  return {
    name,
    address: sshd.address,
    internalAddress: sshd.address,
    port: sshd.port,
    user: 'root',
    roles: [],
    vars: {},
    transport: 'ssh',
    ...extra,
  };
}

export function testInventory(dir: string, hosts: Host[], ssh: SshSettings): Inventory {
  return { file: join(dir, 'inventory.yaml'), cluster: { name: 'e2e' }, hosts, ssh };
}

export function secretsOf(values: Record<string, string>): SecretSource {
  return {
    get: (name) => values[name],
    has: (name) => name in values,
  };
}

/** A local user for sudo tests: created when missing (then removed again by cleanup). */
export async function ensureSudoUser(name: string, password: string): Promise<{ cleanup(): Promise<void> }> {
  let created = false;
  try {
    await run('id', ['-u', name]);
  } catch {
    await run('useradd', ['-m', '-s', '/bin/sh', name]);
    created = true;
  }
  await new Promise<void>((resolve, reject) => {
    const child = execFile('chpasswd', (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(`${name}:${password}\n`);
  });
  const sudoers = `/etc/sudoers.d/${name}`;
  await writeFile(sudoers, `${name} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
  await run('visudo', ['-cf', sudoers]);
  return {
    cleanup: async () => {
      await rm(sudoers, { force: true });
      if (created) await run('userdel', ['-r', name]).catch(() => undefined);
    },
  };
}

export interface Bed {
  dir: string;
  sshd: Sshd;
  key: KeyPair;
  knownHosts: string;
  stop(): Promise<void>;
}

/** One sshd plus a client key and a known_hosts file that trusts it. */
export async function startBed(address: string, extraConfig: string[] = []): Promise<Bed> {
  const dir = await tempDir('bed');
  const key = await keygen(join(dir, 'id_ed25519'));
  const sshd = await startSshd({ address, authorizedKeys: [key.publicLine], extraConfig });
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `${sshd.knownHostsLine()}\n`);
  return {
    dir,
    sshd,
    key,
    knownHosts,
    stop: async () => {
      await sshd.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

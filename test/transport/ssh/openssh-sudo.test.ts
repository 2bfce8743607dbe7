// End to end against a real sshd with a non-root user whose sudo needs a password: the
// password goes to sudo's stdin (or answers sudo's prompt on a PTY), never on a command line,
// and never into the output; password login from a secret; uploads and downloads via sudo.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../engine/model.js';
import { createSshTransport } from '../../../engine/transport/ssh/index.js';
import type { Transport } from '../../../engine/transport/types.js';
import {
  ensureSudoUser,
  secretsOf,
  startBed,
  testHost,
  testInventory,
  type Bed,
} from '../../helpers/openssh.js';

const USER = 'podsec-e2e';
const PASSWORD = 'Sud0-e2e-password';

describe('SSH transport against OpenSSH: a non-root user with sudo', () => {
  let bed: Bed;
  let user: { cleanup(): Promise<void> };
  let transport: Transport;
  let host: Host;
  let rootOnly: string;
  const savedAgent = process.env.SSH_AUTH_SOCK;
  const secrets = secretsOf({ SUDO_PW: PASSWORD, LOGIN_PW: PASSWORD });

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    user = await ensureSudoUser(USER, PASSWORD);
    bed = await startBed('127.0.0.8');
    host = testHost('sudo-1', bed.sshd, { user: USER, sudo: true, sudoPasswordSecret: 'SUDO_PW' });
    const inventory = testInventory(bed.dir, [host], { identityFile: './id_ed25519', knownHosts: './known_hosts' });
    transport = createSshTransport(host, inventory, {
      secrets,
      acceptNewHostKeys: false,
      inventoryHosts: [host],
      inventoryDir: bed.dir,
      sshConfigFile: '/nonexistent/ssh_config',
    });
    rootOnly = join(bed.dir, 'root-only');
    await mkdir(rootOnly);
    await chmod(rootOnly, 0o700);
  });

  afterAll(async () => {
    await transport?.close();
    await bed?.stop();
    await user?.cleanup();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  it('runs commands as root through sudo with the password from a secret', async () => {
    const r = await transport.exec('id -u; echo "$SUDO_USER"');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`0\n${USER}\n`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('runs as the login user when sudo is turned off for a command', async () => {
    const r = await transport.exec('id -un', { sudo: false });
    expect(r.stdout.trim()).toBe(USER);
  });

  it('passes the caller\'s stdin through after the sudo password', async () => {
    const r = await transport.exec('cat', { stdin: 'payload\n' });
    expect(r.stdout).toBe('payload\n');
  });

  it('delivers env values and stdin after the sudo password, through sudo\'s env reset', async () => {
    const r = await transport.exec('echo "$(id -u) $TOKEN"; cat', { env: { TOKEN: 'tok-123456' }, stdin: 'rest\n' });
    expect(r.stdout).toBe('0 tok-123456\nrest\n');
  });

  it('delivers env values on a PTY after answering sudo\'s prompt', async () => {
    const r = await transport.exec('echo "$(id -u) $TOKEN"', { pty: true, env: { TOKEN: 'tok-pty-7890' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('0 tok-pty-7890');
  });

  it('answers sudo\'s own prompt on a PTY', async () => {
    const r = await transport.exec('id -u', { pty: true });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('0');
    expect(r.stdout).not.toContain(PASSWORD);
  });

  it('runs as another user via sudo -u', async () => {
    const r = await transport.exec('id -un; echo "$HOME"', { runAs: 'nobody' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('nobody');
  });

  it('never puts the sudo password on a command line', async () => {
    // While a command runs, list every process's command line on the host.
    const r = await transport.exec('ps -eo args');
    expect(r.stdout).toContain('sudo');
    expect(r.stdout).not.toContain(PASSWORD);
  });

  it('fails cleanly (non-zero exit, no password shown) when the sudo password is wrong', async () => {
    const wrongHost = { ...host, name: 'sudo-wrong', sudoPasswordSecret: 'WRONG' };
    const inventory = testInventory(bed.dir, [wrongHost], { identityFile: './id_ed25519', knownHosts: './known_hosts' });
    const t = createSshTransport(wrongHost, inventory, {
      secrets: secretsOf({ WRONG: 'not-the-password' }),
      acceptNewHostKeys: false,
      inventoryHosts: [wrongHost],
      inventoryDir: bed.dir,
      sshConfigFile: '/nonexistent/ssh_config',
    });
    try {
      const r = await t.exec('id -u');
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout + r.stderr).not.toContain('not-the-password');
    } finally {
      await t.close();
    }
  });

  it('logs in with a password from a secret', async () => {
    const pwHost = { ...host, name: 'sudo-pw', sudo: false };
    const inventory = testInventory(bed.dir, [pwHost], {
      identityFile: join(bed.dir, 'no-such-key'),
      knownHosts: './known_hosts',
      passwordSecret: 'LOGIN_PW',
      agent: false,
    });
    const t = createSshTransport(pwHost, inventory, {
      secrets,
      acceptNewHostKeys: false,
      inventoryHosts: [pwHost],
      inventoryDir: bed.dir,
      sshConfigFile: '/nonexistent/ssh_config',
    });
    try {
      expect((await t.exec('id -un')).stdout.trim()).toBe(USER);
    } finally {
      await t.close();
    }
  });

  it('uploads into a root-only directory through sudo, atomically, owned by root', async () => {
    const path = join(rootOnly, 'secret.conf');
    const r = await transport.upload({ path, content: 'key=value\n', mode: 0o600 });
    expect(r.changed).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('key=value\n');
    const st = await stat(path);
    expect(st.uid).toBe(0);
    expect(st.mode & 0o7777).toBe(0o600);
    expect((await transport.upload({ path, content: 'key=value\n', mode: 0o600 })).changed).toBe(false);
    const leftovers = await transport.exec(`ls -A ${rootOnly}; ls -A /tmp | grep podsec-upload || true`);
    expect(leftovers.stdout.trim()).toBe('secret.conf');
  });

  it('downloads a root-only file through sudo', async () => {
    const path = join(rootOnly, 'root.bin');
    const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 10]);
    await writeFile(path, bytes, { mode: 0o600 });
    expect(Buffer.compare(await transport.download(path), bytes)).toBe(0);
  });
});

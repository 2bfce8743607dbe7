// SSH options as OpenSSH resolves them, against real sshds: with the OpenSSH client installed,
// `ssh -G` gives each host its settings (a Match block, UserKnownHostsFile, IdentityFile), the
// inventory's own values still win, and a ProxyCommand (here real `ssh -W` through a jump sshd)
// carries the connection and ends with it. The built-in reader is what runs without a client.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlayError } from '../../../engine/errors.js';
import type { Host, SshSettings } from '../../../engine/model.js';
import { createSshTransport } from '../../../engine/transport/ssh/index.js';
import { findSshClient } from '../../../engine/transport/ssh/openssh-config.js';
import { keygen, secretsOf, startSshd, tempDir, testHost, testInventory, type KeyPair, type Sshd } from '../../helpers/openssh.js';
import { rm } from 'node:fs/promises';

describe('SSH options from ssh -G, and ProxyCommand', () => {
  let dir: string;
  let key: KeyPair;
  let target: Sshd;
  let jump: Sshd;
  let knownHosts: string;
  const savedAgent = process.env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    expect(findSshClient(), 'the OpenSSH client (ssh) must be installed: apt-get install openssh-client').toBeDefined();
    dir = await tempDir('sshg');
    key = await keygen(join(dir, 'id_ed25519'));
    [target, jump] = await Promise.all([
      startSshd({ address: '127.0.0.21', authorizedKeys: [key.publicLine] }),
      startSshd({ address: '127.0.0.22', authorizedKeys: [key.publicLine] }),
    ]);
    knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${target.knownHostsLine()}\n${jump.knownHostsLine()}\n`);
  });

  afterAll(async () => {
    await Promise.all([target, jump].filter(Boolean).map((s) => s.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  async function connect(host: Host, config: string, options: { ssh?: SshSettings; sshClient?: null } = {}) {
    const file = join(dir, `config-${Math.random().toString(16).slice(2)}`);
    await writeFile(file, config);
    const logs: string[] = [];
    const t = createSshTransport(host, testInventory(dir, [host], { agent: false, ...options.ssh }), {
      secrets: secretsOf({}),
      acceptNewHostKeys: false,
      inventoryHosts: [host],
      inventoryDir: dir,
      sshConfigFile: file,
      ...(options.sshClient === null ? { sshClient: null } : {}),
      onLog: (m) => logs.push(m),
    });
    try {
      const r = await t.exec('echo "$SSH_CONNECTION"');
      return { connection: r.stdout.trim(), logs };
    } catch (err) {
      return { err: err as PlayError, logs };
    } finally {
      await t.close();
    }
  }

  /** An alias only a Match block makes reachable: port, key and known_hosts all come from it. */
  const matchConfig = () =>
    [
      'Host cluster-node',
      '  HostName 127.0.0.21',
      'Match originalhost cluster-node',
      `  Port ${target.port}`,
      `  IdentityFile ${key.privatePath}`,
      `  UserKnownHostsFile ${knownHosts}`,
      '',
    ].join('\n');

  it('takes a Match block’s Port, IdentityFile and UserKnownHostsFile from ssh -G', async () => {
    const host = testHost('node-1', { address: 'cluster-node', port: 22 });
    const r = await connect(host, matchConfig());
    expect(r.err?.message).toBeUndefined();
    expect(r.connection).toMatch(new RegExp(` 127\\.0\\.0\\.21 ${target.port}$`));
  });

  it('without an OpenSSH client the built-in reader is used (it does not evaluate Match)', async () => {
    const host = testHost('node-1', { address: 'cluster-node', port: 22 });
    const r = await connect(host, matchConfig(), { sshClient: null });
    expect(r.err?.code).toBe('E_CONNECT');
    expect(r.err?.message).toContain('root@127.0.0.21:22');
  });

  it('keeps the inventory’s own port, user and key over the config’s', async () => {
    const config = ['Host 127.0.0.21', '  Port 1', '  User nobody-here', '  IdentityFile /nonexistent/key', `  UserKnownHostsFile ${knownHosts}`, ''].join('\n');
    const host = testHost('node-1', target, { user: 'root' });
    const r = await connect(host, config, { ssh: { identityFile: key.privatePath } });
    // Port and key are the inventory's; its user is root, the default, so the config's User
    // fills it in (as documented) — and that user may not log in.
    expect(r.err?.code).toBe('E_AUTH');
    expect(r.err?.message).toContain(`nobody-here@127.0.0.21:${target.port}`);
    const fixed = await connect(host, config.replace('  User nobody-here\n', ''), { ssh: { identityFile: key.privatePath } });
    expect(fixed.connection).toMatch(new RegExp(` 127\\.0\\.0\\.21 ${target.port}$`));
  });

  it('connects through a ProxyCommand (ssh -W via a jump host) and ends it with the connection', async () => {
    const proxy = [
      'ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes',
      `-o UserKnownHostsFile=${knownHosts} -i ${key.privatePath} -p ${jump.port}`,
      `-W 127.0.0.21:%p root@127.0.0.22`,
    ].join(' ');
    // The name does not resolve: only the ProxyCommand can reach it.
    const config = ['Host behind.invalid', `  Port ${target.port}`, `  ProxyCommand ${proxy}`, `  IdentityFile ${key.privatePath}`, ''].join('\n');
    const host = testHost('inner', { address: 'behind.invalid', port: 22 });
    // ssh checks the key under the name it was given, as here.
    const aliasKnownHosts = join(dir, 'known_hosts_alias');
    await writeFile(aliasKnownHosts, `[behind.invalid]:${target.port} ${target.hostKeyType} ${target.hostKeyBase64}\n`);
    const r = await connect(host, config, { ssh: { knownHosts: aliasKnownHosts } });
    expect(r.err?.message).toBeUndefined();
    expect(r.connection).toMatch(new RegExp(` 127\\.0\\.0\\.21 ${target.port}$`));
    expect(r.logs.some((l) => l.startsWith('connecting to root@behind.invalid') && l.includes('via ProxyCommand ssh '))).toBe(true);
    // The proxy's session on the jump host ends once the transport is closed.
    for (let i = 0; i < 100 && (await jump.sessionPids()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await jump.sessionPids()).toEqual([]);

    // The built-in reader knows ProxyCommand too.
    const builtin = await connect(host, config, { ssh: { knownHosts: aliasKnownHosts }, sshClient: null });
    expect(builtin.err?.message).toBeUndefined();
    expect(builtin.connection).toMatch(new RegExp(` 127\\.0\\.0\\.21 ${target.port}$`));
  });

  it('a ProxyCommand that fails is a retryable E_CONNECT with what it said', async () => {
    const config = ['Host broken.invalid', "  ProxyCommand sh -c 'echo proxy says no >&2; exit 3'", ''].join('\n');
    const host = testHost('broken', { address: 'broken.invalid', port: 22 });
    const r = await connect(host, config, { ssh: { knownHosts, identityFile: key.privatePath } });
    expect(r.err, r.err?.message).toMatchObject({ code: 'E_CONNECT', retryable: true });
    expect(r.err?.message).toMatch(/ProxyCommand exited with code 3: proxy says no|ProxyCommand: proxy says no/);
  });
});

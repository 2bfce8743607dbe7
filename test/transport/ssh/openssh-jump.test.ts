// End to end against real sshds: a host reached through one and two jump hosts (named as
// inventory hosts, as user@host:port, or through ssh config ProxyJump), with each hop's host
// key checked; and a 20-host fan-out, one command per host in parallel.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, SshSettings } from '../../../engine/model.js';
import { createSshTransport } from '../../../engine/transport/ssh/index.js';
import {
  keygen,
  secretsOf,
  startSshd,
  tempDir,
  testHost,
  testInventory,
  type KeyPair,
  type Sshd,
} from '../../helpers/openssh.js';

describe('SSH transport against OpenSSH: jump hosts and fan-out', () => {
  let dir: string;
  let key: KeyPair;
  let bastion: Sshd;
  let inner: Sshd;
  let target: Sshd;
  let knownHosts: string;
  const fleet: Sshd[] = [];
  const savedAgent = process.env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    dir = await tempDir('jump');
    key = await keygen(join(dir, 'id_ed25519'));
    const start = (address: string): Promise<Sshd> => startSshd({ address, authorizedKeys: [key.publicLine] });
    [bastion, inner, target] = await Promise.all([start('127.0.0.11'), start('127.0.0.12'), start('127.0.0.13')]);
    knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, [bastion, inner, target].map((s) => `${s?.knownHostsLine()}\n`).join(''));
  });

  afterAll(async () => {
    await Promise.all([bastion, inner, target, ...fleet].filter(Boolean).map((s) => s?.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  const baseSsh = (): SshSettings => ({ identityFile: key.privatePath, knownHosts });

  async function runVia(host: Host, hosts: Host[], ssh: SshSettings, sshConfigFile = '/nonexistent/ssh_config') {
    const inventory = testInventory(dir, hosts, ssh);
    const logs: string[] = [];
    const t = createSshTransport(host, inventory, {
      secrets: secretsOf({}),
      acceptNewHostKeys: false,
      inventoryHosts: hosts,
      inventoryDir: dir,
      sshConfigFile,
      onLog: (m) => logs.push(m),
    });
    try {
      const r = await t.exec('echo "$SSH_CONNECTION"');
      // While connected, count the jump hosts' live sessions (one per tunnel through them).
      const bastionSessions = (await bastion.sessionPids()).length;
      const innerSessions = (await inner.sessionPids()).length;
      return { serverEnd: r.stdout.trim().split(' ').slice(2).join(' '), bastionSessions, innerSessions, logs };
    } finally {
      await t.close();
    }
  }

  it('reaches a host through a jump host named in the inventory', async () => {
    const jumpHost = testHost('bastion', bastion);
    const host = testHost('target', target, { ssh: { proxyJump: ['bastion'] } });
    const r = await runVia(host, [jumpHost, host], baseSsh());
    expect(r.serverEnd).toBe(`127.0.0.13 ${target.port}`);
    expect(r.bastionSessions).toBe(1);
    expect(r.logs[0]).toContain('via bastion');
  });

  it('chains two jump hosts given as user@host:port', async () => {
    const host = testHost('target', target, {
      ssh: { proxyJump: [`root@127.0.0.11:${bastion.port}`, `root@127.0.0.12:${inner.port}`] },
    });
    const r = await runVia(host, [host], baseSsh());
    expect(r.serverEnd).toBe(`127.0.0.13 ${target.port}`);
    expect(r.bastionSessions).toBe(1);
    expect(r.innerSessions).toBe(1);
  });

  it('follows ProxyJump from the ssh config', async () => {
    const config = join(dir, 'ssh_config');
    await writeFile(
      config,
      [
        'Host jumpbox',
        '  HostName 127.0.0.11',
        `  Port ${bastion.port}`,
        '  User root',
        'Host 127.0.0.13',
        '  ProxyJump jumpbox',
        '',
      ].join('\n'),
    );
    const host = testHost('target', target);
    const r = await runVia(host, [host], baseSsh(), config);
    expect(r.serverEnd).toBe(`127.0.0.13 ${target.port}`);
    expect(r.bastionSessions).toBe(1);
  });

  it('checks the jump host\'s key too, and names the jump host when it is unknown', async () => {
    const partial = join(dir, 'known_hosts_target_only');
    await writeFile(partial, `${target.knownHostsLine()}\n`);
    const jumpHost = testHost('bastion', bastion);
    const host = testHost('target', target, { ssh: { proxyJump: ['bastion'] } });
    const err = await runVia(host, [jumpHost, host], { identityFile: key.privatePath, knownHosts: partial }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_HOSTKEY', host: 'target' });
    expect((err as Error).message).toContain('jump host bastion');
  });

  it('runs one command on each of 20 hosts in parallel', async () => {
    const addresses = Array.from({ length: 20 }, (_, i) => `127.0.1.${i + 1}`);
    fleet.push(...(await Promise.all(addresses.map((address) => startSshd({ address, authorizedKeys: [key.publicLine] })))));
    const fleetKnown = join(dir, 'known_hosts_fleet');
    await writeFile(fleetKnown, fleet.map((s) => `${s.knownHostsLine()}\n`).join(''));
    const hosts = fleet.map((s, i) => testHost(`node-${i + 1}`, s));
    const inventory = testInventory(dir, hosts, { identityFile: key.privatePath, knownHosts: fleetKnown });
    const transports = hosts.map((h) =>
      createSshTransport(h, inventory, {
        secrets: secretsOf({}),
        acceptNewHostKeys: false,
        inventoryHosts: hosts,
        inventoryDir: dir,
        sshConfigFile: '/nonexistent/ssh_config',
      }),
    );
    try {
      const results = await Promise.all(transports.map((t) => t.exec('echo "$SSH_CONNECTION"')));
      expect(results.map((r) => r.stdout.trim().split(' ')[2])).toEqual(addresses);
      expect(results.map((r) => [r.exitCode, r.stderr])).toEqual(results.map(() => [0, ""]));
    } finally {
      await Promise.all(transports.map((t) => t.close()));
    }
  });
});

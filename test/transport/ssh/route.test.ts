// Resolving how to reach a host: inventory vs ssh config precedence, paths relative to the
// inventory, default keys, and jump chains (inventory hosts, specs, nesting, self-references).
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Host, Inventory } from '../../../engine/model.js';
import { parseJumpSpec, resolveRoute, type RouteContext } from '../../../engine/transport/ssh/route.js';
import { builtinLookup } from '../../../engine/transport/ssh/openssh-config.js';
import { parseSshConfig } from '../../../engine/transport/ssh/ssh-config.js';

function host(name: string, extra: Partial<Host> = {}): Host {
  return { name, address: name, internalAddress: name, port: 22, user: 'root', roles: [], vars: {}, transport: 'ssh', ...extra };
}

function ctx(hosts: Host[], ssh: Inventory['ssh'] = {}, config = ''): RouteContext {
  const inventory: Inventory = { file: '/inv/inventory.yaml', cluster: { name: 'c' }, hosts, ssh };
  return { inventory, inventoryHosts: hosts, inventoryDir: '/inv', lookup: builtinLookup(parseSshConfig(config)) };
}

describe('route resolution', () => {
  it('resolves relative identity and known_hosts paths against the inventory directory', () => {
    const h = host('n1');
    const r = resolveRoute(h, ctx([h], { identityFile: './keys/id', knownHosts: 'kh' }));
    expect(r.target.identityFiles).toEqual([{ path: '/inv/keys/id', optional: false }]);
    expect(r.target.knownHostsFile).toBe('/inv/kh');
    expect(r.jumps).toEqual([]);
  });

  it('falls back to ~/.ssh/known_hosts and OpenSSH default keys (optional)', () => {
    const h = host('n1');
    const r = resolveRoute(h, ctx([h]));
    expect(r.target.knownHostsFile).toBe(join(homedir(), '.ssh', 'known_hosts'));
    expect(r.target.identityFiles.map((f) => f.optional)).toEqual([true, true, true]);
    expect(r.target.identityFiles[0]?.path).toBe(join(homedir(), '.ssh', 'id_ed25519'));
  });

  it('lets the ssh config fill in what the inventory leaves at its defaults', () => {
    const config = 'Host n1\n  HostName 10.1.1.1\n  Port 2200\n  User admin\n  IdentityFile /k/cfg\n';
    const plain = host('n1');
    const r = resolveRoute(plain, ctx([plain], { identityFile: '/k/inv' }, config));
    expect(r.target).toMatchObject({ hostname: '10.1.1.1', port: 2200, user: 'admin' });
    expect(r.target.identityFiles.map((f) => f.path)).toEqual(['/k/inv', '/k/cfg']);
    const explicit = host('n1', { port: 2022, user: 'ops' });
    expect(resolveRoute(explicit, ctx([explicit], {}, config)).target).toMatchObject({ port: 2022, user: 'ops' });
  });

  it('lets host ssh settings override the inventory defaults', () => {
    const h = host('n1', { ssh: { knownHosts: '/abs/kh', passwordSecret: 'PW', agent: false } });
    const r = resolveRoute(h, ctx([h], { knownHosts: 'kh', passphraseSecret: 'PP' }));
    expect(r.target).toMatchObject({ knownHostsFile: '/abs/kh', passwordSecret: 'PW', passphraseSecret: 'PP', useAgent: false });
  });

  it('resolves a jump named as an inventory host with that host\'s settings', () => {
    const bastion = host('bastion', { address: '192.0.2.1', port: 2222, user: 'jump' });
    const h = host('n1', { ssh: { proxyJump: ['bastion'] } });
    const r = resolveRoute(h, ctx([bastion, h]));
    expect(r.jumps.map((j) => [j.label, j.hostname, j.port, j.user])).toEqual([['bastion', '192.0.2.1', 2222, 'jump']]);
  });

  it('drops self-references, so an inventory-wide proxyJump may name a bastion in the inventory', () => {
    const bastion = host('bastion', { address: '192.0.2.1' });
    const h = host('n1');
    const c = ctx([bastion, h], { proxyJump: ['bastion'] });
    expect(resolveRoute(bastion, c).jumps).toEqual([]);
    expect(resolveRoute(h, c).jumps.map((j) => j.label)).toEqual(['bastion']);
  });

  it('chains specs in order, putting the first jump\'s own ProxyJump in front (like ssh -J)', () => {
    const config = 'Host outer\n  ProxyJump edge:2200\nHost inner\n  ProxyJump ignored\n';
    const h = host('n1', { ssh: { proxyJump: ['ops@outer', 'inner:2201'] } });
    const r = resolveRoute(h, ctx([h], {}, config));
    expect(r.jumps.map((j) => `${j.user}@${j.hostname}:${j.port}`)).toEqual([
      `${userInfo().username}@edge:2200`,
      'ops@outer:22',
      `${userInfo().username}@inner:2201`,
    ]);
  });

  it('stops a ProxyJump loop with E_INPUT', () => {
    const config = 'Host a\n  ProxyJump b\nHost b\n  ProxyJump c\nHost c\n  ProxyJump d\nHost d\n  ProxyJump e\nHost e\n  ProxyJump f\nHost f\n  ProxyJump g\nHost g\n  ProxyJump h\nHost h\n  ProxyJump i\nHost i\n  ProxyJump j\nHost j\n  ProxyJump k\n';
    const h = host('n1', { ssh: { proxyJump: ['a'] } });
    expect(() => resolveRoute(h, ctx([h], {}, config))).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
  });

  it.each([
    ['host', { host: 'host' }],
    ['u@host', { user: 'u', host: 'host' }],
    ['u@host:2222', { user: 'u', host: 'host', port: 2222 }],
    ['[::1]:2222', { host: '::1', port: 2222 }],
    ['ssh://u@h:23', { user: 'u', host: 'h', port: 23 }],
  ])('parses the jump spec %s', (spec, parsed) => {
    expect(parseJumpSpec(spec)).toEqual(parsed);
  });

  it.each(['', 'u@', 'h:99999', 'h:0'])('rejects the jump spec %j with E_INPUT', (spec) => {
    expect(() => parseJumpSpec(spec)).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
  });
});

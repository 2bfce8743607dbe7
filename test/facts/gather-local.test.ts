// The facts script run for real, on this machine, through the local transport: what it reports
// must be what this machine's own programs say (iproute2's real output, the real hostname and
// machine-id), so the same script works on Debian hosts (the testbed's namespaces) as on ALT.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { gatherFacts } from '../../engine/facts/gather.js';
import type { Host } from '../../engine/model.js';
import { LocalTransport } from '../../engine/transport/local.js';

const local: Host = { name: 'here', address: '127.0.0.1', internalAddress: '127.0.0.1', port: 22, user: 'root', roles: [], vars: {}, transport: 'local' };

describe('the facts script on this machine, through the local transport', () => {
  it('reports what the machine says about itself', async () => {
    const transport = new LocalTransport('here');
    const started = Date.now();
    const results = await gatherFacts({
      hosts: [local],
      transportFor: () => transport,
      request: () => ({ internalAddress: '127.0.0.1', apt: false, paths: ['/etc/hostname', '/podsec-play/not/here'] }),
      signal: new AbortController().signal,
    });
    const r = results.get('here')!;
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const f = r.facts;
    expect(f.hostname).toBe(hostname());
    expect(f.kernel).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    if (existsSync('/etc/machine-id')) expect(f.machineId).toBe(readFileSync('/etc/machine-id', 'utf8').trim());
    // iproute2's own JSON, read here directly: every interface and IPv4 address is in the facts.
    const links = JSON.parse(execFileSync('ip', ['-j', 'addr', 'show'], { encoding: 'utf8' })) as { ifname: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
    expect(Object.keys(f.interfaces).sort()).toEqual(links.map((l) => l.ifname).sort());
    for (const l of links) {
      for (const a of l.addr_info.filter((x) => x.family === 'inet')) {
        expect(f.interfaces[l.ifname]!.addresses).toContainEqual(expect.objectContaining({ address: a.local, prefix: a.prefixlen }));
      }
    }
    expect(f.internal).toEqual({ address: '127.0.0.1', interface: 'lo', prefix: 8, subnet: '127.0.0.0/8' });
    expect(f.paths).toEqual({ '/etc/hostname': existsSync('/etc/hostname'), '/podsec-play/not/here': false });
    expect(Math.abs(f.time.skewMs ?? NaN)).toBe(0);
    expect(Date.parse(f.gatheredAt)).toBeGreaterThanOrEqual(started);
    expect(f.os.id).toBe(/^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1]!.replace(/"/g, ''));
  });

  it('a host whose transport fails gets an error, the others their facts', async () => {
    const transport = new LocalTransport('here');
    const other: Host = { ...local, name: 'gone' };
    const results = await gatherFacts({
      hosts: [local, other],
      transportFor: (name) => {
        if (name === 'gone') throw new Error('connect ECONNREFUSED 127.0.0.1:22');
        return transport;
      },
      request: () => ({ internalAddress: '127.0.0.1', apt: false, paths: [] }),
      signal: new AbortController().signal,
    });
    expect(results.get('here')!.ok).toBe(true);
    expect(results.get('gone')).toEqual({ ok: false, code: 'E_CONNECT', message: 'connect ECONNREFUSED 127.0.0.1:22' });
  });
});

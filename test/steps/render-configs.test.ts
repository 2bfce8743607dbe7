// The rendered haproxy and keepalived configs: their shape, and the verdict of the REAL
// binaries (`haproxy -c -f`, `keepalived -t -f`). These tests fail, never skip, when a binary
// is missing: CI installs both with apt-get.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHaproxy } from '../../steps/lib/render-haproxy.js';
import { authPassProblem, renderCheckScript, renderKeepalived, vrrpRole } from '../../steps/lib/render-keepalived.js';

const dir = mkdtempSync(join(tmpdir(), 'podsec-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const controlPlanes = [
  { name: 'cp-1', address: '10.20.0.11' },
  { name: 'cp-2', address: '10.20.0.12' },
  { name: 'cp-3', address: '10.20.0.13' },
];
const VIP = '10.20.0.100';

function binary(name: string): string {
  for (const d of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin']) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is not installed: these tests need the real binary (apt-get install ${name})`);
}

function check(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** keepalived refuses loopback interfaces and checks that the interface exists. */
function vrrpInterface(): string {
  const names = readdirSync('/sys/class/net').filter((n) => n !== 'lo');
  const name = names[0];
  if (!name) throw new Error('no non-loopback network interface for keepalived -t');
  return name;
}

describe('renderHaproxy', () => {
  it('binds :8443 in tcp mode and health-checks every control plane on 6443', () => {
    const cfg = renderHaproxy({ servers: controlPlanes });
    expect(cfg).toMatch(/^frontend kube-apiserver\n {4}bind \*:8443\n {4}mode tcp$/m);
    expect(cfg).toContain('    option httpchk GET /healthz\n    http-check expect status 200\n    balance roundrobin');
    for (const s of controlPlanes) expect(cfg).toContain(`    server ${s.name} ${s.address}:6443 check`);
  });

  it('is a pure function: the same inputs give the same text', () => {
    expect(renderHaproxy({ servers: controlPlanes })).toBe(renderHaproxy({ servers: controlPlanes }));
  });

  it.each([
    [{ servers: [] }, /no control-plane servers/],
    [{ servers: [{ name: 'a b', address: '10.0.0.1' }] }, /invalid server name/],
    [{ servers: [{ name: 'a', address: '10.0.0.1;x' }] }, /invalid server address/],
    [{ servers: [{ name: 'a', address: '10.0.0.1' }, { name: 'a', address: '10.0.0.2' }] }, /duplicate server name/],
  ])('refuses bad input %#', (input, message) => {
    expect(() => renderHaproxy(input)).toThrow(message);
  });

  it('brackets IPv6 backends', () => {
    expect(renderHaproxy({ servers: [{ name: 'cp', address: 'fd00::1' }] })).toContain('server cp [fd00::1]:6443 check');
  });
});

describe('renderKeepalived', () => {
  const base = { interface: 'eth0', virtualRouterId: 51, authPass: 'vrrp-pw', vip: VIP };

  it('makes the first LB MASTER 101 and the others BACKUP 100, 99', () => {
    expect([0, 1, 2].map(vrrpRole)).toEqual([
      { state: 'MASTER', priority: 101 },
      { state: 'BACKUP', priority: 100 },
      { state: 'BACKUP', priority: 99 },
    ]);
    const cfg = renderKeepalived({ ...base, index: 1 });
    expect(cfg).toContain('    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority 100');
  });

  it('tracks the apiserver check script with the podsec timings', () => {
    const cfg = renderKeepalived({ ...base, index: 0 });
    expect(cfg).toContain(
      'vrrp_script check_apiserver {\n    script "/etc/keepalived/check_apiserver.sh"\n    interval 3\n    weight -2\n    fall 10\n    rise 2\n}',
    );
    expect(cfg).toContain('virtual_ipaddress {\n        10.20.0.100/32\n    }');
    expect(cfg).toContain('track_script {\n        check_apiserver\n    }');
    expect(cfg).toContain('auth_type PASS\n        auth_pass vrrp-pw');
  });

  it.each([
    ['', /empty/],
    ['123456789', /longer than 8/],
    ['a b', /printable/],
    ['a"b', /printable/],
    ['a#b', /printable/],
  ])('refuses the VRRP password %j', (pass, message) => {
    expect(authPassProblem(pass)).toMatch(message);
    expect(() => renderKeepalived({ ...base, index: 0, authPass: pass })).toThrow(message);
  });

  it('refuses a virtual_router_id outside 1..255', () => {
    expect(() => renderKeepalived({ ...base, index: 0, virtualRouterId: 256 })).toThrow(/virtual_router_id/);
  });

  it('renders unicast peers when asked', () => {
    const cfg = renderKeepalived({ ...base, index: 0, unicastSourceIp: '10.0.0.1', unicastPeers: ['10.0.0.2'] });
    expect(cfg).toContain('    unicast_src_ip 10.0.0.1\n    unicast_peer {\n        10.0.0.2\n    }');
  });

  it('check script curls localhost:8443 and the VIP only where the VIP is local', () => {
    const s = renderCheckScript({ vip: VIP });
    expect(s).toContain('https://localhost:8443/healthz');
    expect(s).toContain(`if ip -o addr show | grep -qF ' ${VIP}/'; then`);
    expect(s).toContain(`https://${VIP}:8443/healthz`);
  });
});

describe.each([1, 3])('the real binaries accept the configs for %i LB(s) × 3 control planes', (lbs) => {
  const haproxy = binary('haproxy');
  const keepalived = binary('keepalived');

  it('haproxy -c -f', () => {
    for (let i = 0; i < lbs; i++) {
      const file = join(dir, `haproxy-${lbs}-${i}.cfg`);
      writeFileSync(file, renderHaproxy({ servers: controlPlanes }));
      const r = check(haproxy, ['-c', '-f', file]);
      expect(r.output).not.toMatch(/\[(ALERT|WARNING)\]/);
      expect(r.status).toBe(0);
    }
  });

  it('keepalived -t -f', () => {
    const script = join(dir, `check-${lbs}.sh`);
    writeFileSync(script, renderCheckScript({ vip: VIP }));
    chmodSync(script, 0o755);
    const iface = vrrpInterface();
    for (let i = 0; i < lbs; i++) {
      const file = join(dir, `keepalived-${lbs}-${i}.conf`);
      const cfg = renderKeepalived({ index: i, interface: iface, virtualRouterId: 51, authPass: 'vrrp-pw', vip: VIP, checkScript: script });
      writeFileSync(file, cfg);
      const r = check(keepalived, ['-t', '-f', file]);
      expect(r.output).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('the check script is valid sh', () => {
    const script = join(dir, `check-syntax-${lbs}.sh`);
    writeFileSync(script, renderCheckScript({ vip: VIP }));
    expect(() => execFileSync('sh', ['-n', script])).not.toThrow();
  });
});

describe('the real binaries still reject a broken config (the checks can fail)', () => {
  it('haproxy -c -f fails on an unknown keyword', () => {
    const file = join(dir, 'broken.cfg');
    writeFileSync(file, renderHaproxy({ servers: controlPlanes }).replace('balance roundrobin', 'balance nonsense'));
    expect(check(binary('haproxy'), ['-c', '-f', file]).status).not.toBe(0);
  });

  it('keepalived -t -f fails on an unknown keyword', () => {
    const script = join(dir, 'check-broken.sh');
    writeFileSync(script, renderCheckScript({ vip: VIP }));
    chmodSync(script, 0o755);
    const file = join(dir, 'broken.conf');
    const opts = { index: 0, interface: vrrpInterface(), virtualRouterId: 51, authPass: 'pw12', vip: VIP, checkScript: script };
    const good = renderKeepalived(opts);
    writeFileSync(file, good);
    expect(check(binary('keepalived'), ['-t', '-f', file]).status).toBe(0);
    writeFileSync(file, good.replace('advert_int 1', 'advert_nonsense 1'));
    expect(check(binary('keepalived'), ['-t', '-f', file]).status).not.toBe(0);
  });
});

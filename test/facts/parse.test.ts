// The facts parser on real output: the script as it ran on a Debian 12 machine (iproute2's
// `ip -j`), the text forms iproute2 prints without -j, an ALT p10 node, and a host that has
// almost nothing (every fallback, every "unknown").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FactsParseError, parseFacts, splitSections } from '../../engine/facts/parse.js';
import { parseIpAddrText, parseIpRouteText, parseSs } from '../../engine/facts/parse-net.js';
import { parseApt, parseEpoch, parseSwap } from '../../engine/facts/parse-system.js';
import type { FactsRequest } from '../../engine/facts/types.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/facts/${name}`, import.meta.url), 'utf8');

describe('facts from a real Debian 12 machine (ip -j, dpkg, no systemd)', () => {
  const request: FactsRequest = { internalAddress: '192.0.2.2', apt: true, paths: ['/etc/hosts', '/nonexistent'] };
  const text = fixture('debian12-controller.txt');
  const sentAt = 1795983738000;
  const f = parseFacts(text, { request, sentAt, receivedAt: sentAt + 500 });

  it('reads the system', () => {
    expect(f.os).toEqual({ id: 'debian', name: 'Debian GNU/Linux', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    expect(f.platform).toBeUndefined();
    expect([f.hostname, f.kernel, f.arch]).toEqual(['vm', '6.18.44-fc-v782', 'x86_64']);
    expect(f.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(f.packages).toEqual({ curl: '7.88.1-10+deb12u15', haproxy: '2.6.12-1+deb12u4', keepalived: '1:2.2.7-1+b2' });
    expect(f.cgroup).toEqual({ version: 1, fs: 'tmpfs' });
    expect(f.swap).toEqual({ on: false, devices: [] });
    expect(f.sysctl).toEqual({ 'user.max_user_namespaces': '96364', 'net.ipv4.ip_forward': '0' });
    expect(f.disk.varLib).toEqual({ availableBytes: 81968244 * 1024, sizeBytes: 264212084 * 1024, mount: '/' });
    expect(f.unknown).toEqual({ timeSync: 'neither timedatectl nor chronyc answered' });
  });

  it('reads interfaces with every address and prefix, the routes, and where the internal address lives', () => {
    expect(Object.keys(f.interfaces)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0', 'pptb0', 'pptb0v0', 'pptb0v1', 'pptb0v2', 'pptb0v3', 'pptb0v4']);
    expect(f.interfaces['eth0']).toEqual({
      name: 'eth0',
      up: true,
      mac: '02:fc:00:00:00:01',
      addresses: [
        { address: '192.0.2.2', prefix: 24, family: 'inet', subnet: '192.0.2.0/24' },
        { address: 'fd00::2', prefix: 64, family: 'inet6', subnet: 'fd00::/64' },
        { address: 'fe80::fc:ff:fe00:1', prefix: 64, family: 'inet6', subnet: 'fe80::/64' },
      ],
    });
    expect(f.interfaces['ifb0']).toMatchObject({ up: false, addresses: [] });
    expect(f.routes).toEqual([
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { dst: '10.213.0.0/24', dev: 'pptb0', src: '10.213.0.1' },
      { dst: '192.0.2.0/24', dev: 'eth0', src: '192.0.2.2' },
    ]);
    expect(f.defaultRoute).toEqual({ gateway: '192.0.2.1', interface: 'eth0' });
    expect(f.internal).toEqual({ address: '192.0.2.2', interface: 'eth0', prefix: 24, subnet: '192.0.2.0/24' });
  });

  it('keeps listening ports below the ephemeral range, the mirrors probed and the paths asked about', () => {
    expect(f.listening).toEqual([{ proto: 'tcp', address: '0.0.0.0', port: 2024 }]);
    expect(f.apt?.sources).toEqual([
      { url: 'http://deb.debian.org/debian', ok: true, detail: 'answered (HTTP 404)' },
      { url: 'http://deb.debian.org/debian-security', ok: true, detail: 'answered (HTTP 404)' },
    ]);
    expect(f.paths).toEqual({ '/etc/hosts': true, '/nonexistent': false });
  });

  it('bounds the clock skew by the round trip: a host clock inside it is in step', () => {
    expect(f.time).toEqual({ epochMs: 1795983738192, skewMs: 0 });
    const ahead = parseFacts(text, { request, sentAt: sentAt - 3_600_000, receivedAt: sentAt - 3_599_000 });
    expect(ahead.time.skewMs).toBe(1795983738192 - (sentAt - 3_599_000));
    const behind = parseFacts(text, { request, sentAt: sentAt + 60_000, receivedAt: sentAt + 61_000 });
    expect(behind.time.skewMs).toBe(1795983738192 - (sentAt + 60_000));
  });
});

describe("iproute2's text forms (no -j), as printed on the same machine", () => {
  it('ip -o addr show', () => {
    const ifaces = parseIpAddrText(fixture('debian12-ip-o-addr.txt'));
    expect(ifaces['eth0']!.addresses.map((a) => `${a.address}/${a.prefix}`)).toEqual(['192.0.2.2/24', 'fd00::2/64', 'fe80::fc:ff:fe00:1/64']);
    expect(ifaces['pptb0']!.addresses[0]).toEqual({ address: '10.213.0.1', prefix: 24, family: 'inet', subnet: '10.213.0.0/24' });
    expect(Object.keys(ifaces)).toContain('lo');
  });

  it('ip route show', () => {
    expect(parseIpRouteText(fixture('debian12-ip-route.txt'))).toEqual([
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { dst: '10.213.0.0/24', dev: 'pptb0', src: '10.213.0.1' },
      { dst: '192.0.2.0/24', dev: 'eth0', src: '192.0.2.2' },
    ]);
  });

  it('ss: scoped and bracketed addresses, wildcards', () => {
    const text = [
      'udp   UNCONN 0      0      127.0.0.53%lo:53        0.0.0.0:*    users:(("systemd-resolve",pid=500,fd=13))',
      'tcp   LISTEN 0      128    [fe80::1]%eth0:8080        [::]:*',
      'tcp   LISTEN 0      4096            *:6443             *:*',
      'tcp   LISTEN 0      4096         [::]:22            [::]:*',
    ].join('\n');
    expect(parseSs(text)).toEqual([
      { proto: 'udp', address: '127.0.0.53', port: 53, process: 'systemd-resolve' },
      { proto: 'tcp', address: 'fe80::1', port: 8080 },
      { proto: 'tcp', address: '*', port: 6443 },
      { proto: 'tcp', address: '::', port: 22 },
    ]);
  });

  it('ss -lntup with its header', () => {
    expect(parseSs(fixture('debian12-ss-header.txt')).find((s) => s.port === 2024)).toEqual({ proto: 'tcp', address: '0.0.0.0', port: 2024 });
  });
});

describe('facts from an ALT p10 node', () => {
  const request: FactsRequest = { internalAddress: '10.10.0.10', apt: true, paths: ['/etc/kubernetes/admin.conf', '/var/lib/podsec/u7s/etcd/member', '/zzz'] };
  const sentAt = Date.parse('2026-01-01T10:00:00.000Z');
  const f = parseFacts(fixture('alt-p10-node.txt'), { request, sentAt, receivedAt: sentAt + 500 });

  it('knows the platform, the packages (rpm), swap, cgroup v2, time synchronisation', () => {
    expect(f.platform).toBe('p10');
    expect(f.os.cpe).toBe('cpe:/o:alt:server:10.2');
    expect(f.packages).toEqual({ podsec: '1.1.20-alt2', 'podsec-k8s': '1.1.20-alt2', 'podsec-inotify': '1.1.20-alt2', curl: '8.5.0-alt1' });
    expect(f.swap).toEqual({ on: true, devices: [{ name: '/dev/vda3', sizeBytes: 2147479552 }] });
    expect(f.cgroup).toEqual({ version: 2, fs: 'cgroup2' });
    expect(f.time).toEqual({ epochMs: sentAt + 250, skewMs: 0, source: 'timedatectl', synchronized: true, ntp: true });
    expect(f.unknown).toEqual({});
  });

  it('reads processes holding ports, the ssh address, the paths in order, mirrors that do not answer', () => {
    expect(f.listening).toEqual([
      { proto: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' },
      { proto: 'tcp', address: '*', port: 6443, process: 'rootlesskit' },
      { proto: 'tcp', address: '::', port: 22, process: 'sshd' },
      { proto: 'udp', address: '0.0.0.0', port: 8472, process: 'rootlesskit' },
      { proto: 'udp', address: '127.0.0.1', port: 323, process: 'chronyd' },
    ]);
    expect(f.sshAddress).toBe('10.10.0.10');
    expect(f.internal).toEqual({ address: '10.10.0.10', interface: 'ens3', prefix: 24, subnet: '10.10.0.0/24' });
    expect(f.interfaces['ens4']).toMatchObject({ up: false, addresses: [] });
    expect(f.paths).toEqual({ '/etc/kubernetes/admin.conf': false, '/var/lib/podsec/u7s/etcd/member': true, '/zzz': false });
    expect(f.apt?.sources[1]).toEqual({ url: 'http://mirror.example.invalid/alt', ok: false, detail: 'curl exit 6 (could not resolve the host)' });
  });
});

describe('a host with almost nothing', () => {
  const f = parseFacts(fixture('minimal-host.txt'), { request: { internalAddress: '172.17.0.3', apt: false, paths: [] }, sentAt: 1767261600000, receivedAt: 1767261600100 });

  it('falls back to the text forms and says what it could not read', () => {
    expect(f.interfaces['eth0']!.addresses[0]).toMatchObject({ address: '172.17.0.3', prefix: 16 });
    expect(f.defaultRoute).toEqual({ gateway: '172.17.0.1', interface: 'eth0' });
    expect(f.internal?.interface).toBe('eth0');
    expect(f.swap).toEqual({ on: false, devices: [] });
    expect(f.machineId).toBeUndefined();
    expect(f.apt).toBeUndefined();
    expect(Object.keys(f.unknown).sort()).toEqual(['cgroup', 'disk', 'listening', 'packages', 'timeSync']);
    expect(f.time.skewMs).toBe(0);
  });
});

describe('the section reader', () => {
  it('refuses output that stopped before the end marker (a killed script, a shell that is not sh)', () => {
    expect(() => parseFacts('', { request: { internalAddress: 'x', apt: false, paths: [] }, sentAt: 0, receivedAt: 0 })).toThrow(FactsParseError);
    expect(() => parseFacts('@@podsec-play-facts date\n1\n', { request: { internalAddress: 'x', apt: false, paths: [] }, sentAt: 0, receivedAt: 0 })).toThrow(
      /stopped before its end/,
    );
    expect([...splitSections('noise\n@@podsec-play-facts a\n1\n2\n@@podsec-play-facts b\n').entries()]).toEqual([
      ['a', '1\n2'],
      ['b', ''],
    ]);
  });

  it('reads /proc/swaps, busybox dates and curl without an answer', () => {
    expect(parseSwap('Filename\tType\tSize\tUsed\tPriority\n/swapfile  file  1048572  0  -2\n', true)).toEqual({ on: true, devices: [{ name: '/swapfile', sizeBytes: 1048572 * 1024 }] });
    expect(parseEpoch('1767261600.N')).toBe(1767261600000);
    expect(parseEpoch('garbage')).toBeUndefined();
    expect(parseApt('http://m/ 28 000\nftp://m/ 0 350\nfile:/cdrom local\nhttp://x/ nocurl\n')).toEqual([
      { url: 'http://m/', ok: false, detail: 'curl exit 28 (timed out)' },
      { url: 'ftp://m/', ok: true, detail: 'answered (HTTP 350)' },
      { url: 'file:/cdrom', ok: true, detail: 'local source' },
      { url: 'http://x/', ok: false, detail: 'not probed: curl is not installed' },
    ]);
    expect(parseApt('https://user:s3cret@mirror.example/alt 0 200\n')).toEqual([{ url: 'https://[REDACTED]@mirror.example/alt', ok: true, detail: 'answered (HTTP 200)' }]);
  });
});

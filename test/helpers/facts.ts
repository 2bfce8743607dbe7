// HostFacts for tests: what a healthy ALT p10 podsec node reports (its internal address on
// ens3 in a /24, swap off, cgroup v2, packages installed, clock in step), with overrides.
import { subnetOf } from '../../engine/facts/ip-address.js';
import type { HostFacts } from '../../engine/facts/types.js';

export interface FactsOptions {
  hostname: string;
  address: string;
  iface?: string;
  prefix?: number;
  /** Extra addresses on the same interface (a VIP, say). */
  extra?: string[];
}

export function healthyFacts(o: FactsOptions, patch: Partial<HostFacts> = {}): HostFacts {
  const iface = o.iface ?? 'ens3';
  const prefix = o.prefix ?? 24;
  const subnet = subnetOf(o.address, prefix)!;
  const gateway = subnet.replace(/\.0\/\d+$/, '.254');
  return {
    gatheredAt: '2026-01-01T10:00:00.000Z',
    os: { id: 'altlinux', name: 'ALT Server', versionId: '10.2', prettyName: 'ALT Server 10.2 (Mendelevium)', branch: 'p10', cpe: 'cpe:/o:alt:server:10.2' },
    platform: 'p10',
    kernel: '6.1.130-un-def-alt1',
    arch: 'x86_64',
    hostname: o.hostname,
    machineId: (o.hostname.replace(/[^0-9a-f]/g, '') + 'f'.repeat(32)).slice(0, 32),
    packages: { podsec: '1.1.20-alt2', 'podsec-k8s': '1.1.20-alt2', 'podsec-k8s-rbac': '1.1.20-alt2', 'podsec-inotify': '1.1.20-alt2', haproxy: '2.8.5-alt1', keepalived: '2.2.8-alt1', curl: '8.5.0-alt1' },
    interfaces: {
      lo: { name: 'lo', up: true, addresses: [{ address: '127.0.0.1', prefix: 8, family: 'inet', subnet: '127.0.0.0/8' }] },
      [iface]: {
        name: iface,
        up: true,
        mac: '52:54:00:12:34:56',
        addresses: [o.address, ...(o.extra ?? [])].map((a) => ({ address: a, prefix, family: 'inet' as const, subnet })),
      },
    },
    routes: [
      { dst: 'default', gateway, dev: iface },
      { dst: subnet, dev: iface, src: o.address },
    ],
    defaultRoute: { gateway, interface: iface },
    internal: { address: o.address, interface: iface, prefix, subnet },
    time: { epochMs: Date.parse('2026-01-01T10:00:00.000Z'), skewMs: 0, synchronized: true, ntp: true, source: 'timedatectl' },
    swap: { on: false, devices: [] },
    cgroup: { version: 2, fs: 'cgroup2' },
    sysctl: { 'user.max_user_namespaces': '15000', 'kernel.unprivileged_userns_clone': '1' },
    listening: [{ proto: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' }],
    disk: { varLib: { availableBytes: 40 * 2 ** 30, sizeBytes: 60 * 2 ** 30, mount: '/' } },
    apt: { sources: [{ url: 'http://ftp.altlinux.org/pub/distributions/ALTLinux', ok: true, detail: 'answered (HTTP 200)' }] },
    paths: {},
    unknown: {},
    ...patch,
  };
}

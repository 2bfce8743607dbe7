// The stand-ins that report a node (ip, ss, uname, date, timedatectl, findmnt, sysctl, df, swapon,
// rpm --qf, curl for the mirrors): realistic output, the node's own values (never the
// controller's), and every difference host.json can make; keepalived refuses an interface the
// node does not have. Then the facts script itself, over SSH, on a lab node.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFacts } from '../../engine/facts/parse.js';
import { factsScript } from '../../engine/facts/script.js';
import { editHost, readNodeFile, removePackage } from '../helpers/lab-host.js';
import { onlyReads } from '../helpers/reading.js';
import { actions, connectNode, freshLab, type NodeSession } from './lab-client.js';
import { expectOk, keepalivedConfig, writeFile } from './podsec-flow.js';

type Lab = Awaited<ReturnType<typeof freshLab>>;
let lab: Lab;
let master: NodeSession;
let lb: NodeSession;
const DEFAULTS: Record<string, unknown> = {};

beforeAll(async () => {
  lab = await freshLab({ workers: 0, lbs: 1 });
  master = await connectNode(lab, 'cp-1');
  lb = await connectNode(lab, 'lb-1');
  Object.assign(DEFAULTS, JSON.parse(readNodeFile(lab, 'lb-1', '/var/lib/lab/host.json')));
});
afterAll(async () => {
  master?.end();
  lb?.end();
  await lab?.cleanup();
});

const reset = () => editHost(lab, 'lb-1', DEFAULTS);
/** The lab's own /24 (`127.A.B`) and the /16 around it: nodes have addresses of their lab. */
const net24 = () => lab.subnet;
const net16 = () => lab.subnet.split('.').slice(0, 2).join('.');

describe('a fresh node reports itself like an ALT p10 host', () => {
  test('ip: lo and ens3 with its internal address in a /24, as iproute2 prints them', async () => {
    const links = JSON.parse((await master.exec('ip -j addr show')).stdout) as { ifname: string; flags: string[]; addr_info: { local: string; prefixlen: number; broadcast?: string }[] }[];
    expect(links.map((l) => l.ifname)).toEqual(['lo', 'ens3']);
    expect(links[1]!.addr_info).toEqual([expect.objectContaining({ local: `${net24()}.1`, prefixlen: 24, broadcast: `${net24()}.255`, label: 'ens3' })]);
    expect((await master.exec('ip -o addr show')).stdout).toContain(`2: ens3    inet ${net24()}.1/24 brd ${net24()}.255 scope global ens3\\       valid_lft forever preferred_lft forever\n`);
    expect((await master.exec('ip route')).stdout).toBe(`default via ${net24()}.254 dev ens3 proto static \n${net24()}.0/24 dev ens3 proto kernel scope link src ${net24()}.1 \n`);
    expect((await master.exec(`ip route get ${net24()}.2`)).stdout).toBe(`${net24()}.2 dev ens3 src ${net24()}.1 uid 0 \n    cache \n`);
    expect((await master.exec('ip addr show dev eth0')).stderr).toBe('Device "eth0" does not exist.\n');
    expect((await master.exec('ip addr add 10.0.0.1/24 dev ens3')).code).not.toBe(0);
  });

  test('uname, date, timedatectl, findmnt, sysctl, df, swapon, ss: the node, not the controller', async () => {
    expect((await master.exec('uname -n -r -m')).stdout).toBe('cp-1 6.1.130-un-def-alt1 x86_64\n');
    const t = Number((await master.exec('date -u +%s')).stdout);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(5);
    expect((await master.exec('timedatectl show')).stdout).toMatch(/^Timezone=UTC\nLocalRTC=no\nCanNTP=yes\nNTP=yes\nNTPSynchronized=yes\n/);
    expect((await master.exec('findmnt -n -o FSTYPE /sys/fs/cgroup')).stdout).toBe('cgroup2\n');
    expect((await master.exec('sysctl user.max_user_namespaces kernel.nosuch')).stdout).toBe('user.max_user_namespaces = 63482\n');
    expect((await master.exec('df -P -k /var/lib')).stdout).toBe('Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/vda2 62914560 20971520 41943040 34% /\n');
    expect((await master.exec('swapon --show')).stdout).toBe('');
    expect((await master.exec('ss -H -l -n -t -p')).stdout).toMatch(/^tcp\s+LISTEN 0\s+4096\s+0\.0\.0\.0:22\s+0\.0\.0\.0:\* users:\(\("sshd",pid=1022,fd=3\)\)\n/);
    expect((await master.exec("rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\\n' podsec nosuch")).stdout).toBe('podsec 1.1.20-alt1\npackage nosuch is not installed\n');
    expect((await master.exec("curl -s -o /dev/null -I -w '%{http_code}' http://ftp.altlinux.org/pub/distributions/ALTLinux")).stdout).toBe('200');
    expect((await master.exec('curl -s -o /dev/null -w "%{http_code}" http://mirror.invalid/alt')).code).toBe(6);
    expect(readNodeFile(lab, 'cp-1', '/etc/os-release')).toMatch(/CPE_NAME="cpe:\/o:alt:server:10\.2"/);
    expect(readNodeFile(lab, 'cp-1', '/etc/machine-id')).toMatch(/^[0-9a-f]{32}\n$/);
    expect(readNodeFile(lab, 'cp-1', '/etc/machine-id')).not.toBe(readNodeFile(lab, 'lb-1', '/etc/machine-id'));
  });
});

describe('host.json makes a node differ on purpose', () => {
  test('another interface name and prefix, no default route', async () => {
    editHost(lab, 'lb-1', { interface: 'enp0s8', prefix: 16, defaultRoute: false });
    try {
      expect((await lb.exec('ip -o -4 addr show')).stdout).toContain(`2: enp0s8    inet ${net24()}.2/16 brd ${net16()}.255.255 scope global enp0s8`);
      expect((await lb.exec('ip route')).stdout).toBe(`${net16()}.0.0/16 dev enp0s8 proto kernel scope link src ${net24()}.2 \n`);
      expect(await lb.exec('ip route get 10.9.9.9')).toMatchObject({ code: 2, stderr: 'RTNETLINK answers: Network is unreachable\n' });
    } finally {
      reset();
    }
  });

  test('swap on, a port taken, a skewed clock, an old kernel, cgroup v1, a full disk', async () => {
    editHost(lab, 'lb-1', {
      swap: [{ name: '/swapfile', size: '2G' }],
      listening: ['tcp:8443:nginx', 'udp:8472'],
      clockSkew: '+3h',
      kernel: '5.10.176-std-def-alt1',
      cgroup: 'tmpfs',
      varLibAvailable: '1G',
    });
    try {
      expect((await lb.exec('swapon --show=NAME,SIZE --bytes --noheadings --raw')).stdout).toBe('/swapfile 2147483648\n');
      const ss = (await lb.exec('ss -H -l -n -t -u -p')).stdout;
      expect(ss).toMatch(/^tcp\s+LISTEN .*0\.0\.0\.0:8443 .*users:\(\("nginx"/m);
      expect(ss).toMatch(/^udp\s+UNCONN .*0\.0\.0\.0:8472 .*users:\(\("lab-listener"/m);
      const t = Number((await lb.exec('date -u +%s')).stdout);
      expect(Math.round((t - Date.now() / 1000) / 60)).toBe(180);
      expect((await lb.exec('timedatectl show')).stdout).toContain('NTPSynchronized=no');
      expect((await lb.exec('uname -r')).stdout).toBe('5.10.176-std-def-alt1\n');
      expect((await lb.exec('findmnt -n -o FSTYPE /sys/fs/cgroup')).stdout).toBe('tmpfs\n');
      expect((await lb.exec('df -P -k /var/lib')).stdout).toMatch(/ 1048576 \d+% \/\n$/);
      expect((await lb.exec('date -s 12:00')).code).toBe(1);
    } finally {
      reset();
    }
  });

  test('a missing package; sysctl -w as root is kept, as another user refused', async () => {
    removePackage(lab, 'lb-1', 'keepalived');
    expect((await lb.exec('rpm -q keepalived')).code).toBe(1);
    expect((await lb.exec('sysctl -w kernel.unprivileged_userns_clone=1')).stdout).toBe('kernel.unprivileged_userns_clone = 1\n');
    expect((await lb.exec('sysctl -n kernel.unprivileged_userns_clone')).stdout).toBe('1\n');
    expect(await lb.exec('sudo -u u7s-admin sysctl -w kernel.unprivileged_userns_clone=0')).toMatchObject({ code: 255, stderr: 'sysctl: permission denied on key "kernel.unprivileged_userns_clone"\n' });
    reset();
  });
});

describe('keepalived and the node\'s interface', () => {
  test('keepalived -t and systemctl refuse an interface the node does not have; the VIP comes up on ens3 with its prefix', async () => {
    const eth0 = keepalivedConfig(`${net24()}.100/24`, true).replace('interface ens3', 'interface eth0');
    await writeFile(lb, '/etc/keepalived/keepalived.conf', eth0);
    const t = await lb.exec('keepalived -t -f /etc/keepalived/keepalived.conf');
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("(VI_1) WARNING - interface eth0 for vrrp_instance doesn't exist");
    expect((await lb.exec('systemctl start keepalived')).code).toBe(1);
    await writeFile(lb, '/etc/keepalived/keepalived.conf', keepalivedConfig(`${net24()}.100/24`, true));
    expectOk(await lb.exec('keepalived -t -f /etc/keepalived/keepalived.conf && systemctl restart keepalived'), 'keepalived on ens3');
    expect((await lb.exec('ip -o addr show')).stdout).toContain(`inet ${net24()}.100/24 brd ${net24()}.255 scope global secondary ens3`);
    expectOk(await lb.exec('systemctl stop keepalived'), 'stop keepalived');
  });
});

describe('the facts script on a lab node', () => {
  test("gives the node's facts, and the node's actions.log shows only reading programs", async () => {
    const before = actions(lab, 'lb-1').length;
    const request = { internalAddress: `${net24()}.2`, apt: true, paths: ['/etc/keepalived/keepalived.conf', '/var/lib/podsec/u7s/etcd/member'] };
    const sentAt = Date.now();
    const r = await lb.exec(factsScript(request));
    const f = parseFacts(r.stdout, { request, sentAt, receivedAt: Date.now() });
    expect(f).toMatchObject({
      hostname: 'lb-1',
      platform: 'p10',
      kernel: '6.1.130-un-def-alt1',
      internal: { address: `${net24()}.2`, interface: 'ens3', prefix: 24, subnet: `${net24()}.0/24` },
      defaultRoute: { gateway: `${net24()}.254`, interface: 'ens3' },
      swap: { on: false },
      cgroup: { version: 2 },
      time: { skewMs: 0, synchronized: true, ntp: true },
      paths: { '/etc/keepalived/keepalived.conf': true, '/var/lib/podsec/u7s/etcd/member': false },
      apt: { sources: [{ url: 'http://ftp.altlinux.org/pub/distributions/ALTLinux', ok: true, detail: 'answered (HTTP 200)' }] },
      unknown: {},
    });
    expect(f.machineId).toBe(readNodeFile(lab, 'lb-1', '/etc/machine-id').trim());
    expect(f.listening).toContainEqual({ proto: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' });
    const lines = actions(lab, 'lb-1').slice(before);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.filter((a) => !onlyReads(a.argv))).toEqual([]);
  });
});

// The testbed's pure parts: its address plan and names, the node init script, the node's user
// database and sshd_config (no root needed).
import { describe, expect, it } from 'vitest';
import { hostVethName, MAX_NODES, netFor, netnsName, nodeAddress, overlaps } from '../../testbed/addresses.js';
import { nodeUserDb } from '../../testbed/host-etc.js';
import { hiddenInNode, initScript } from '../../testbed/node-init.js';
import { testbedProblems } from '../../testbed/requirements.js';
import { renderSshdConfig } from '../../testbed/sshd.js';
import { testbedStandin } from '../../testbed/index.js';
import { suKeepingTerminal } from '../../testbed/alt-programs.js';
import { execFileSync } from 'node:child_process';

describe('the address plan', () => {
  it('gives each testbed a /24 of 10.213/16, the controller .1, the VIP .100, nodes from .11 skipping the VIP', () => {
    const net = netFor(7);
    expect(net).toMatchObject({ subnet: '10.213.7.0/24', hostAddress: '10.213.7.1', vip: '10.213.7.100', bridge: 'pptb7' });
    expect(nodeAddress(net, 0)).toBe('10.213.7.11');
    expect(nodeAddress(net, 88)).toBe('10.213.7.99');
    expect(nodeAddress(net, 89)).toBe('10.213.7.101');
    expect(nodeAddress(net, MAX_NODES - 1)).toBe('10.213.7.254');
    expect(() => nodeAddress(net, MAX_NODES)).toThrow(/at most/);
    expect(() => netFor(256)).toThrow(/out of range/);
  });

  it('keeps interface names within the kernel limit of 15 characters', () => {
    const net = netFor(255);
    expect(net.bridge.length).toBeLessThanOrEqual(15);
    expect(hostVethName(net, MAX_NODES - 1).length).toBeLessThanOrEqual(15);
    expect(netnsName(net, 'worker-12')).toBe('pptb255-worker-12');
  });

  it.each([
    ['10.213.7.0/24', true],
    ['10.213.7.55', true],
    ['10.213.0.0/16', true],
    ['10.0.0.0/8', true],
    ['10.213.8.0/24', false],
    ['10.213.6.128/25', false],
    ['192.168.1.0/24', false],
    ['0.0.0.0/0', false],
    ['default', false],
  ])('%s overlaps 10.213.7.0/24: %s', (cidr, expected) => {
    expect(overlaps(netFor(7), cidr)).toBe(expected);
  });
});

describe('the node init', () => {
  it('binds the node directories, then the hidden shared paths back, then the stand-in overlays', () => {
    const script = initScript({ root: '/tmp/x/tb/nodes/cp-1', hostname: 'cp-1', shared: ['/tmp/x/tb', '/srv/pkg', '/tmp/x/tb/standins', '/usr/bin'], binDir: '/tmp/x/tb/bin', usrLayers: ['libexec'] });
    const lines = script.split('\n');
    expect(lines[1]).toBe('exec 3</tmp/x/tb/nodes/cp-1 4</tmp/x/tb');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    for (const d of ['etc', 'var', 'root', 'home', 'run', 'tmp']) expect(at(new RegExp(`--bind /proc/self/fd/3/${d} /${d}$`))).toBeGreaterThan(1);
    expect(at(/mount --no-canonicalize --bind \/proc\/self\/fd\/4 \/tmp\/x\/tb$/)).toBeGreaterThan(at(/fd\/3\/tmp \/tmp$/));
    expect(script).not.toContain('/srv/pkg'); // visible anyway
    expect(at(/lowerdir=\/tmp\/x\/tb\/bin:\/usr\/local\/bin/)).toBeGreaterThan(at(/fd\/4/));
    expect(script).toContain('lowerdir=/tmp/x/tb/nodes/cp-1/usr/libexec:/usr/libexec /usr/libexec\n');
    expect(script).toContain("printf '%s' cp-1 > /proc/sys/kernel/hostname");
    expect(lines.at(-2)).toBe('exec sleep infinity </dev/null >/dev/null 2>&1');
  });

  it('knows which host paths a node does not see', () => {
    expect(hiddenInNode('/tmp/tb')).toBe(true);
    expect(hiddenInNode('/root')).toBe(true);
    expect(hiddenInNode('/rooted')).toBe(false);
    expect(hiddenInNode('/usr/bin')).toBe(false);
  });

  it('refuses a directory overlayfs cannot take as a layer', () => {
    expect(() => initScript({ root: '/tmp/a,b/nodes/n', hostname: 'n', shared: [], binDir: '/tmp/a,b/bin' })).toThrow(/choose another --dir/);
  });
});

describe("a node's users", () => {
  const hostPasswd = 'root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
  const hostGroup = 'root:x:0:\nwheel:x:10:alice\nsudo:x:27:alice\nalice:x:1000:\nnogroup:x:65534:\nu7sx:x:990:\n';
  const seedPasswd = 'root:x:0:0:root:/root:/bin/bash\nu7s-admin:x:990:990:usernetes admin:/var/lib/u7s-admin:/bin/sh\n';
  const seedGroup = 'root:x:0:\nwheel:x:10:root\nu7s-admin:x:990:\n';

  it("takes the host's system accounts, not its people, and adds podsec's with free ids", () => {
    const db = nodeUserDb(hostPasswd, hostGroup, seedPasswd, seedGroup);
    expect(db.passwd).toContain('sshd:x:100:65534:');
    expect(db.passwd).toContain('nobody:x:65534:');
    expect(db.passwd).not.toContain('alice');
    expect(db.group).toContain('wheel:x:10:root\n');
    expect(db.group).toContain('sudo:x:27:\n');
    expect(db.group).toMatch(/^u7s-admin:x:991:$/m);
    expect(db.passwd).toMatch(/^u7s-admin:x:990:991:usernetes admin:\/var\/lib\/u7s-admin:\/bin\/sh$/m);
    expect(db.shadow.split('\n').filter(Boolean).every((l) => l.split(':')[1] === '*')).toBe(true);
    expect(db.gshadow).toContain('wheel:!::root');
  });
});

describe('what a node runs', () => {
  it('listens on the node address only, with the key only, and sets the stand-ins env in every session', () => {
    const cfg = renderSshdConfig({ address: '10.213.0.11', env: { LAB_DIR: '/tmp/tb', LAB_NODE: 'cp-1' } });
    expect(cfg).toContain('ListenAddress 10.213.0.11\nPort 22\n');
    expect(cfg).toContain('UsePAM no');
    expect(cfg).toContain('PasswordAuthentication no');
    expect(cfg).toContain('SetEnv LAB_DIR=/tmp/tb LAB_NODE=cp-1');
    expect(() => renderSshdConfig({ address: '10.213.0.11', env: { LAB_DIR: '/tmp/a b' } })).toThrow(/SetEnv/);
  });

  it('uses the stand-ins only for what a Debian host lacks', () => {
    for (const name of ['podsec-create-policy', 'podsec-u7s-kubeadm', 'kubeadm', 'kubectl', 'rpm', 'systemctl', 'apt-get']) expect(testbedStandin(name)).toBe(true);
    for (const name of ['useradd', 'passwd', 'gpg2', 'gpg', 'curl', 'ip', 'hostname', 'su', 'sudo', 'haproxy', 'keepalived', 'id', 'chown']) expect(testbedStandin(name)).toBe(false);
  });

  it("gives su's -c command to the real su as --session-command (ALT's su keeps the terminal), everything else as it was", () => {
    const script = suKeepingTerminal('/bin/echo');
    const argv = (...args: string[]) => execFileSync('/bin/sh', ['-c', script, 'su', ...args], { encoding: 'utf8' }).trim();
    expect(argv('-', '-c', 'gpg2 --full-generate-key', 'imagemaker')).toBe('- --session-command gpg2 --full-generate-key imagemaker');
    expect(argv('-s', '/bin/sh', 'imagemaker', '--command=id -un')).toBe('-s /bin/sh imagemaker --session-command=id -un');
    expect(argv('-l', 'root')).toBe('-l root');
  });

  it('says why a machine cannot run a testbed', () => {
    expect(testbedProblems({ platform: 'darwin' })).toEqual([expect.stringContaining('needs Linux')]);
    expect(testbedProblems({ platform: 'linux', uid: 1000 })).toContainEqual(expect.stringContaining('needs root'));
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { actions, connectNode, freshLab, type NodeSession } from './lab-client.js';
import { WRAPPER, expectOk, haproxyConfig, keepalivedConfig, secureMaster, writeFile } from './podsec-flow.js';

type Lab = Awaited<ReturnType<typeof freshLab>>;
let lab: Lab;
let master: NodeSession;
let lb: NodeSession;

beforeAll(async () => {
  lab = await freshLab({ workers: 0, lbs: 1 });
  master = await connectNode(lab, 'cp-1');
  lb = await connectNode(lab, 'lb-1');
});
afterAll(async () => {
  master?.end();
  lb?.end();
  await lab?.cleanup();
});

describe('systemctl', () => {
  test('unknown units fail with systemd\'s exit codes; is-active/is-enabled answer like systemd', async () => {
    const enable = await lb.exec('systemctl enable nosuch');
    expect(enable).toMatchObject({ code: 1, stderr: 'Failed to enable unit: Unit file nosuch.service does not exist.\n' });
    expect((await lb.exec('systemctl start nosuch')).code).toBe(5);
    expect(await lb.exec('systemctl is-active haproxy')).toMatchObject({ code: 3, stdout: 'inactive\n' });
    expect(await lb.exec('systemctl is-enabled sshd')).toMatchObject({ code: 0, stdout: 'enabled\n' });
    expect((await lb.exec('systemctl status nosuch')).code).toBe(4);
  });

  test('haproxy does not start with a broken config; it runs with a good one (the config is snapshotted at start)', async () => {
    await writeFile(lb, '/etc/haproxy/haproxy.cfg', 'frontend api\n    default_backend nowhere\n');
    const bad = await lb.exec('systemctl enable --now haproxy');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Job for haproxy.service failed');
    expect(await lb.exec('systemctl is-failed haproxy')).toMatchObject({ code: 0, stdout: 'failed\n' });
    expect((await lb.exec('systemctl status haproxy')).stdout).toContain('unable to find required default_backend');
    await writeFile(lb, '/etc/haproxy/haproxy.cfg', haproxyConfig(['127.0.1.1']));
    expectOk(await lb.exec('systemctl restart haproxy'), 'restart');
    expect((await lb.exec('systemctl is-active haproxy')).stdout).toBe('active\n');
    const lines = actions(lab, 'lb-1').filter((a) => a.event === 'systemctl' && a.action === 'restart');
    expect(lines.at(-1)).toMatchObject({ units: ['haproxy'], started: ['haproxy'], exit: 0 });
  });
});

describe('config checks', () => {
  test.each([
    ['a good config', haproxyConfig(['127.0.1.1', '127.0.1.2']), 0, 'Configuration file is valid'],
    ['an unknown default_backend', 'frontend a\n    bind *:8443\n    default_backend b\n', 1, "unable to find required default_backend: 'b'"],
    ['a frontend without bind', 'frontend a\n    default_backend b\nbackend b\n    server s 127.0.1.1:6443 check\n', 1, 'no bind line'],
    ['a bad server address', 'frontend a\n    bind *:8443\n    default_backend b\nbackend b\n    server s 127.0.1.1 check\n', 1, "invalid address '127.0.1.1'"],
    ['a keyword outside a section', 'bind *:8443\n', 1, 'out of section'],
  ])('haproxy -c -f: %s', async (_title, config, code, message) => {
    await writeFile(lb, '/tmp/h.cfg', config);
    const r = await lb.exec('haproxy -c -f /tmp/h.cfg');
    expect(r.code).toBe(code);
    expect(r.stdout + r.stderr).toContain(message);
  });

  test.each([
    ['a good config', keepalivedConfig('127.0.1.100', true), 0, ''],
    ['no virtual_router_id', keepalivedConfig('127.0.1.100', true).replace(/ *virtual_router_id 51\n/, ''), 1, 'virtual router id'],
    ['unbalanced braces', keepalivedConfig('127.0.1.100', true).replace(/}\n$/, ''), 1, "missing '}'"],
    ['a track_script that is not defined', keepalivedConfig('127.0.1.100', false).replace('check_apiserver\n    }', 'chk_other\n    }'), 1, 'track_script chk_other not found'],
  ])('keepalived -t -f: %s', async (_title, config, code, message) => {
    await writeFile(lb, '/tmp/k.conf', config);
    const r = await lb.exec('keepalived -t -f /tmp/k.conf');
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
  });
});

describe('users, sudo and su', () => {
  test('runAs as the transport does it: su -s /bin/sh USER -c, sudo -u USER -H sh -c', async () => {
    expectOk(await master.exec('groupadd -r podman_dev && useradd -m -G podman_dev maker'), 'useradd');
    expect((await master.exec('useradd maker')).code).toBe(9);
    expect((await master.exec("su -s /bin/sh maker -c 'id -un; echo $HOME'")).stdout).toBe(`maker\n${join(lab.dir, 'nodes/cp-1/home/maker')}\n`);
    expect((await master.exec("sudo -n -u maker -H sh -c 'id -nG'")).stdout).toBe('maker podman_dev\n');
    expect((await master.exec('id')).stdout).toBe('uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
    const denied = await master.exec("su maker -c 'sudo -n true'");
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('maker is not in the sudoers file');
    expect((await master.exec("su maker -c 'systemctl stop sshd'")).stderr).toContain('Access denied');
  });

  test('chown checks the owner exists on the node and the file exists', async () => {
    expectOk(await master.exec('touch /tmp/owned && chown 0:0 -- /tmp/owned && chown root:root /tmp/owned'), 'chown');
    expect((await master.exec('chown nobody-here /tmp/owned')).stderr).toContain("invalid user: 'nobody-here'");
    expect((await master.exec('chown root /tmp/missing')).code).toBe(1);
  });
});

describe('packages and the network as the node sees it', () => {
  test('rpm -q knows the podsec packages; apt-get install adds packages', async () => {
    expect((await master.exec('rpm -q podsec podsec-k8s')).stdout).toMatch(/^podsec-1\.1\.20-alt1\npodsec-k8s-1\.1\.20-alt1\n$/);
    expect((await master.exec('rpm -q jq')).code).toBe(1);
    expectOk(await master.exec('apt-get update && apt-get install -y jq'), 'apt-get');
    expect((await master.exec('rpm -q jq')).code).toBe(0);
  });

  test('curl: no Internet except a flannel manifest; /dev/null is the real one', async () => {
    expect((await master.exec('curl -s https://example.com/')).code).toBe(6);
    expect((await master.exec('curl -sL https://raw.githubusercontent.com/flannel-io/flannel/master/Documentation/kube-flannel.yml')).stdout).toContain('kube-flannel-ds');
    expect((await master.exec(`curl -sk -o /dev/null -w "%{http_code}" https://${lab.subnet}.1:6443/healthz`)).stdout).toBe('000');
  });
});

describe('the shared cluster state', () => {
  test('haproxy cannot bind 6443 on a running control plane; concurrent token creates all land (file lock)', async () => {
    await secureMaster(master, `${lab.subnet}.1`);
    const init = await master.exec(`${WRAPPER} kubeadm init`);
    expectOk(init, 'init');
    await writeFile(master, '/etc/haproxy/haproxy.cfg', haproxyConfig([`${lab.subnet}.1`]).replace('*:8443', '*:6443'));
    const clash = await master.exec('systemctl start haproxy');
    expect(clash.code).toBe(1);
    expect((await master.exec('systemctl status haproxy')).stdout).toContain('[0.0.0.0:6443]');

    const runs = await Promise.all(Array.from({ length: 12 }, () => master.exec('kubeadm token create')));
    expect(runs.map((r) => r.code)).toEqual(Array(12).fill(0));
    const created = runs.map((r) => r.stdout.trim());
    const cluster = JSON.parse(readFileSync(join(lab.dir, 'cluster.json'), 'utf8')) as { tokens: { token: string }[] };
    for (const t of created) expect(cluster.tokens.map((x) => x.token)).toContain(t);
    expect(cluster.tokens).toHaveLength(13);
  });
});

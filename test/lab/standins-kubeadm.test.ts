import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { advanceClock } from '../../lab/index.js';
import { actions, connectNode, freshLab, type NodeSession } from './lab-client.js';
import { PASSPHRASE, SIGNER, WRAPPER, copyPolicy, expectOk, imagemakerAnswers, joinCommand, parseInitOutput, secureMaster, setupLb, vipOf, type JoinMaterial } from './podsec-flow.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: { controlPlanes?: number; workers?: number; lbs?: number }) {
  const lab = await freshLab(opts);
  cleanups.push(() => lab.cleanup());
  const sessions = new Map<string, NodeSession>();
  const node = async (name: string) => {
    if (!sessions.has(name)) {
      const s = await connectNode(lab, name);
      sessions.set(name, s);
      cleanups.push(() => s.end());
    }
    return sessions.get(name)!;
  };
  const exists = (name: string, p: string) => existsSync(join(lab.dir, 'nodes', name, p));
  /** Host N of the lab's own /24: ip(1) is the master cp-1, ip(100) the VIP. */
  const ip = (n: number) => `${lab.subnet}.${n}`;
  return { lab, node, exists, ip, vip: vipOf(lab) };
}

async function initMaster(master: NodeSession, ip: string, flags = ''): Promise<JoinMaterial> {
  await secureMaster(master, ip);
  return parseInitOutput(expectOk(await master.exec(`${WRAPPER} kubeadm init ${flags}`), 'kubeadm init').stdout);
}

describe('kubeadm init through the podsec wrapper (single master)', () => {
  test('needs the signed images in registry.local; prints the usual join lines; leaves the init markers', async () => {
    const { lab, node, exists, ip } = await setup({ workers: 0 });
    const master = await node('cp-1');
    expectOk(await master.exec(`podsec-create-policy ${ip(1)}`), 'policy');
    const early = await master.exec(`${WRAPPER} kubeadm init`);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/\[ERROR ImagePull\]: failed to pull image registry\.local\/k8s-p10\/kube-apiserver:v1\.28\.3: .*connection refused/);

    // the policy is there already: the rest of secure mode by hand
    expectOk(await master.exec('podsec-create-services'), 'services');
    expectOk(await master.exec('podsec-create-imagemakeruser', { pty: true, answers: imagemakerAnswers() }), 'imagemaker');
    expectOk(await master.exec(`echo x > /tmp/a.tar.xz; su - imagemaker -c "podsec-load-sign-oci /tmp/a.tar.xz amd64 ${SIGNER}"`, { pty: true, answers: [[/Passphrase: $/, PASSPHRASE]] }), 'sign');

    const r = expectOk(await master.exec(`${WRAPPER} kubeadm init`), 'init');
    expect(r.stdout).toMatch(/\nkubeadm join 127\.\d+\.\d+\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} \\\n\t--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \n$/);
    expect(r.stdout).toMatch(/ {2}kubeadm join 127\.\d+\.\d+\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} \\\n\t--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \\\n\t--control-plane --certificate-key [0-9a-f]{64}\n/);
    const m = parseInitOutput(r.stdout);
    expect(m.endpoint).toBe(`${ip(1)}:6443`);
    for (const p of ['etc/kubernetes/admin.conf', 'etc/kubernetes/kubelet.conf', 'var/lib/podsec/u7s/etcd/member', 'etc/kubernetes/pki/ca.crt']) expect(exists('cp-1', p)).toBe(true);
    expect((await master.exec('systemctl is-enabled u7s; systemctl is-active u7s')).stdout).toBe('enabled\nactive\n');
    // the wrapper keeps the join secrets in clear text in its env file (a hazard to know about)
    const env = readFileSync(join(lab.dir, 'nodes/cp-1/etc/podsec/u7s/config/env'), 'utf8');
    expect(env).toContain(`U7S_TOKEN=${m.token}`);
    expect(env).toContain(`U7S_CERTIFICATEKEY=${m.certificateKey}`);
    const log = actions(lab, 'cp-1');
    expect(log.filter((a) => a.event === 'init' && a.exit === 0)).toHaveLength(1);
    expect(log.some((a) => a.argv.join(' ') === 'apt-get update' && a.parent === 'podsec-u7s-kubeadm')).toBe(true);
  });

  test('plain kubeadm init/join (not the wrapper) is refused', async () => {
    const { node } = await setup({ workers: 0 });
    const r = await (await node('cp-1')).exec('kubeadm init');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('export PATH=/usr/libexec/podsec/u7s/bin/:$PATH');
  });

  test('re-running init wipes /etc/kubernetes and asks Clear directory? y/N; anything but y exits 1', async () => {
    const { node, exists, ip } = await setup({ workers: 0 });
    const master = await node('cp-1');
    await initMaster(master, ip(1));
    const no = await master.exec(`${WRAPPER} kubeadm init`, { pty: true, answers: [[/Clear directory\? y\/N $/, 'n']] });
    expect(no.code).toBe(1);
    expect(no.stdout).toContain('Clear directory? y/N');
    expect(exists('cp-1', 'etc/kubernetes/admin.conf')).toBe(false);
    expect(exists('cp-1', 'etc/kubernetes/kubelet.conf')).toBe(false);
    expect(exists('cp-1', 'var/lib/podsec/u7s/etcd/member')).toBe(true);
    const eof = await master.exec(`${WRAPPER} kubeadm init`, { stdin: '' });
    expect(eof.code).toBe(1);
    const yes = await master.exec(`${WRAPPER} kubeadm init`, { pty: true, answers: [[/Clear directory\? y\/N $/, 'y']] });
    expect(yes.code).toBe(0);
  });

  test('kubectl on a node that is not initialised fails like the real one', async () => {
    const { node } = await setup({ workers: 1 });
    const r = await (await node('worker-1')).exec('kubectl get nodes');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('The connection to the server localhost:8080 was refused - did you specify the right host or port?\n');
  });
});

describe('joining workers', () => {
  test('join rules: reachable endpoint, known token, matching CA hash; a joined node is never joined again', async () => {
    const { lab, node, exists, ip } = await setup({ workers: 1 });
    const master = await node('cp-1');
    const worker = await node('worker-1');
    const m = await initMaster(master, ip(1));
    await copyPolicy(worker, ip(1));

    const unreachable = await worker.exec(joinCommand({ ...m, endpoint: `${ip(2)}:6443` }));
    expect(unreachable.stderr).toContain(`dial tcp ${ip(2)}:6443: connect: connection refused`);
    const badToken = await worker.exec(joinCommand({ ...m, token: 'abcdef.0123456789abcdef' }));
    expect(badToken.stderr).toContain('could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"');
    const badHash = await worker.exec(joinCommand({ ...m, caHash: '0'.repeat(64) }));
    expect(badHash.stderr).toContain('none of the public keys');
    for (const r of [unreachable, badToken, badHash]) expect(r.code).toBe(1);

    expectOk(await worker.exec(joinCommand(m)), 'join');
    expect(exists('worker-1', 'etc/kubernetes/kubelet.conf')).toBe(true);
    const again = await worker.exec(joinCommand(m));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a Node with name "worker-1" and status "Ready" already exists in the cluster');
    expect(exists('worker-1', 'etc/kubernetes/kubelet.conf')).toBe(false); // the wrapper wiped it first
    expect(actions(lab, 'worker-1').filter((a) => a.event === 'join-worker').map((a) => a.exit)).toEqual([1, 1, 1, 0, 1]);
  });

  test('nodes are Ready only after flannel is applied, and only with the image policy and keys in place', async () => {
    const { node, ip } = await setup({ workers: 2 });
    const master = await node('cp-1');
    const m = await initMaster(master, ip(1));
    const w1 = await node('worker-1');
    const w2 = await node('worker-2');
    await copyPolicy(w1, ip(1));
    expectOk(await w1.exec(joinCommand(m)), 'join w1');
    expectOk(await w2.exec(joinCommand(m)), 'join w2 (no policy yet)');
    expect((await master.exec('kubectl get nodes --no-headers')).stdout).toMatch(/cp-1 +NotReady[\s\S]*worker-1 +NotReady[\s\S]*worker-2 +NotReady/);
    const notYet = await master.exec('kubectl wait --for=condition=Ready nodes --all --timeout=200ms');
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toContain('timed out waiting for the condition');

    expectOk(await master.exec('kubectl apply -f https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml'), 'flannel');
    const json = JSON.parse(expectOk(await master.exec('kubectl get nodes -o json'), 'get -o json').stdout);
    const ready = Object.fromEntries(json.items.map((i: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }) => [i.metadata.name, i.status.conditions.find((c) => c.type === 'Ready')?.status]));
    expect(ready).toEqual({ 'cp-1': 'True', 'worker-1': 'True', 'worker-2': 'False' }); // worker-2 cannot pull signed images
    await copyPolicy(w2, ip(1));
    expect((await master.exec('kubectl wait --for=condition=Ready nodes --all --timeout=5s')).stdout).toBe('node/cp-1 condition met\nnode/worker-1 condition met\nnode/worker-2 condition met\n');
    expect((await master.exec('kubectl apply -f /tmp/none.yml')).stderr).toContain('the path "/tmp/none.yml" does not exist');
  });

  test('a bootstrap token expires after 24 h of lab time; a fresh one from token create works', async () => {
    const { lab, node, ip } = await setup({ workers: 1 });
    const master = await node('cp-1');
    const worker = await node('worker-1');
    const m = await initMaster(master, ip(1));
    await copyPolicy(worker, ip(1));
    advanceClock(lab.dir, 25 * 3_600_000);
    const late = await worker.exec(joinCommand(m));
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('could not find a JWS signature');
    const fresh = expectOk(await master.exec('kubeadm token create --print-join-command'), 'token create').stdout.trim();
    expect(fresh).toMatch(/^kubeadm join 127\.\d+\.\d+\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/);
    expectOk(await worker.exec(`${WRAPPER} ${fresh}`), 'join with a fresh token');
    const short = expectOk(await master.exec('kubeadm token create --ttl 1h'), 'ttl').stdout.trim();
    advanceClock(lab.dir, 2 * 3_600_000);
    expect((await master.exec('kubeadm token list')).stdout).not.toContain(short);
  });

  test('kubeadm reset -f takes the node out of the cluster and off its disk', async () => {
    const { node, exists, ip } = await setup({ workers: 1 });
    const master = await node('cp-1');
    const worker = await node('worker-1');
    const m = await initMaster(master, ip(1));
    await copyPolicy(worker, ip(1));
    expectOk(await worker.exec(joinCommand(m)), 'join');
    expectOk(await worker.exec('kubeadm reset -f'), 'reset');
    expect(exists('worker-1', 'etc/kubernetes/kubelet.conf')).toBe(false);
    expect((await master.exec('kubectl get nodes -o name')).stdout).toBe('node/cp-1\n');
    const asked = await worker.exec('kubeadm reset', { pty: true, answers: [[/\[y\/N\]: $/, 'n']] });
    expect(asked.code).toBe(1);
    // joining again after the reset works
    expectOk(await worker.exec(joinCommand(m)), 'rejoin');
  });

  test('workers joining at once on several nodes do not lose each other\'s updates', async () => {
    const { node, ip } = await setup({ workers: 4 });
    const master = await node('cp-1');
    const m = await initMaster(master, ip(1));
    const names = ['worker-1', 'worker-2', 'worker-3', 'worker-4'];
    const workers = await Promise.all(names.map((n) => node(n)));
    await Promise.all(workers.map((w) => copyPolicy(w, ip(1))));
    const results = await Promise.all(workers.map((w) => w.exec(joinCommand(m))));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect((await master.exec('kubectl get nodes -o name')).stdout.trim().split('\n').sort()).toEqual(['node/cp-1', ...names.map((n) => `node/${n}`)]);
  });
});

describe('HA: control planes behind haproxy and keepalived', () => {
  test('init needs the LB in front; joins go through the VIP; certificate keys live 2 h and only the newest one counts', async () => {
    const { lab, node, ip, vip } = await setup({ controlPlanes: 2, workers: 1, lbs: 1 });
    const master = await node('cp-1');
    const lb = await node('lb-1');
    await secureMaster(master, ip(1));
    const ha = `--apiserver-advertise-address ${ip(1)} --control-plane-endpoint ${vip}:8443 --upload-certs`;
    const noLb = await master.exec(`${WRAPPER} kubeadm init ${ha}`);
    expect(noLb.code).toBe(1);
    expect(noLb.stderr).toContain(`dial tcp ${vip}:8443: connect: no route to host`);

    await setupLb(lb, [ip(1), ip(2), ip(3)], vip);
    const init = await master.exec(`${WRAPPER} kubeadm init ${ha}`, { pty: true, answers: [[/Clear directory\? y\/N $/, 'y']] });
    expect(init.code).toBe(0);
    const m = parseInitOutput(init.stdout);
    expect(m.endpoint).toBe(`${vip}:8443`);

    const worker = await node('worker-1');
    expect((await worker.exec(`curl -sk https://${vip}:8443/healthz`)).stdout).toBe('ok');
    expect((await worker.exec(`curl -s https://${vip}:8443/healthz`)).code).toBe(60);
    expect((await lb.exec('ip -4 addr show')).stdout).toContain(`inet ${vip}/32`);

    const cp2 = await node('cp-2');
    const cp3 = await node('cp-3');
    await copyPolicy(cp2, ip(1));
    await copyPolicy(cp3, ip(1));
    const workerAsCp = await worker.exec(joinCommand({ ...m, endpoint: `${ip(1)}:6443` }, true));
    expect(workerAsCp.code).toBe(1); // no policy on worker-1 yet: the control-plane preflight cannot pull images
    expectOk(await cp2.exec(joinCommand(m, true)), 'cp-2 joins with the init key');

    advanceClock(lab.dir, 3 * 3_600_000);
    const stale = await cp3.exec(joinCommand(m, true));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('Secret "kubeadm-certs" was not found');
    const key1 = expectOk(await master.exec('kubeadm init phase upload-certs --upload-certs'), 'upload-certs').stdout.trim().split('\n').pop()!;
    const key2 = expectOk(await master.exec('kubeadm init phase upload-certs --upload-certs'), 'upload-certs').stdout.trim().split('\n').pop()!;
    expect(key1).toMatch(/^[0-9a-f]{64}$/);
    const old = await cp3.exec(joinCommand({ ...m, certificateKey: key1 }, true));
    expect(old.stderr).toContain('message authentication failed');
    expectOk(await cp3.exec(joinCommand({ ...m, certificateKey: key2 }, true)), 'cp-3 joins with the newest key');

    await copyPolicy(worker, ip(1));
    expectOk(await worker.exec(joinCommand(m)), 'worker joins through the VIP');
    expect((await master.exec('kubectl get nodes -o name')).stdout.trim().split('\n')).toEqual(['node/cp-1', 'node/cp-2', 'node/cp-3', 'node/worker-1']);
    expect((await cp3.exec('kubectl get nodes -o name')).code).toBe(0);

    // the API through the VIP depends on the LB: stop haproxy, and admin.conf (server = VIP) stops working
    expectOk(await lb.exec('systemctl stop haproxy'), 'stop haproxy');
    expect((await master.exec('kubectl get nodes')).stderr).toContain(`The connection to the server ${vip}:8443 was refused`);
    expectOk(await lb.exec('systemctl start haproxy'), 'start haproxy');
    expect((await master.exec('kubectl get nodes')).code).toBe(0);

    const joins = ['cp-2', 'cp-3'].flatMap((n) => actions(lab, n).filter((a) => a.event === 'join-control-plane' && a.exit === 0).map((a) => a.time));
    expect(joins).toHaveLength(2);
  });

  test('a control-plane join needs a controlPlaneEndpoint, and meets another one in progress as an etcd error', async () => {
    const { lab, node, ip } = await setup({ controlPlanes: 1, workers: 0 });
    const master = await node('cp-1');
    const m = await initMaster(master, ip(1)); // no --control-plane-endpoint
    const cp2 = await node('cp-2');
    await copyPolicy(cp2, ip(1));
    const r = await cp2.exec(joinCommand(m, true));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("doesn't have a stable controlPlaneEndpoint address");

    // with an endpoint, a join while another node's etcd member add is in flight fails
    const { lab: lab2, node: node2, ip: ip2 } = await setup({ controlPlanes: 1, workers: 0 });
    const m2 = await initMaster(await node2('cp-1'), ip2(1), `--control-plane-endpoint ${ip2(1)}:6443`);
    const cp2b = await node2('cp-2');
    await copyPolicy(cp2b, ip2(1));
    const file = join(lab2.dir, 'cluster.json');
    const state = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...state, etcdJoin: { node: 'cp-9', pid: process.pid, since: Date.now() } }));
    const busy = await cp2b.exec(joinCommand(m2, true));
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('etcdserver: unhealthy cluster');
    writeFileSync(file, JSON.stringify({ ...state, etcdJoin: null }));
    expectOk(await cp2b.exec(joinCommand(m2, true)), 'join once nothing is in flight');
    expect(actions(lab2, 'cp-2').filter((a) => a.event === 'join-control-plane').map((a) => a.exit)).toEqual([1, 0]);
    expect(actions(lab, 'cp-2').filter((a) => a.event === 'join-control-plane').map((a) => a.exit)).toEqual([1]);
  });
});

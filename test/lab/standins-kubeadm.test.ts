import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { advanceClock } from '../../lab/index.js';
import { actions, connectNode, freshLab, type NodeSession } from './lab-client.js';
import { ARCHIVE, IN_NAMESPACE, PASSPHRASE, SIGNER, WRAPPER, copyPolicy, expectOk, imagemakerAnswers, joinCommand, parseInitOutput, said, secureMaster, setupLb, vipOf, type JoinMaterial } from './podsec-flow.js';

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
    // getKuberImages: the tag is looked up on registry.local/v2/p10/kube-apiserver/tags/list
    expect(early.stderr).toContain('Image version p10/kube-apiserver  with tag v1.28.3 unavailable');

    // the policy is there already: the rest of secure mode by hand
    expectOk(await master.exec('podsec-create-services'), 'services');
    expectOk(await master.exec('podsec-create-imagemakeruser', { pty: true, answers: imagemakerAnswers() }), 'imagemaker');
    expectOk(await master.exec(`su - imagemaker -c "podsec-load-sign-oci ${ARCHIVE} amd64 ${SIGNER}"`, { pty: true, answers: [[/Passphrase: _/, PASSPHRASE]] }), 'sign');

    const r = expectOk(await master.exec(`${WRAPPER} kubeadm init`), 'init');
    expect(r.stdout).toMatch(/\nkubeadm join 127\.\d+\.\d+\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} \\\n\t--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \n$/);
    expect(r.stdout).toMatch(/ {2}kubeadm join 127\.\d+\.\d+\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} \\\n\t--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \\\n\t--control-plane --certificate-key [0-9a-f]{64}\n/);
    const m = parseInitOutput(r.stdout);
    expect(m.endpoint).toBe(`${ip(1)}:6443`);
    for (const p of ['etc/kubernetes/admin.conf', 'etc/kubernetes/kubelet.conf', 'var/lib/podsec/u7s/etcd/member', 'etc/kubernetes/pki/ca.crt']) expect(exists('cp-1', p)).toBe(true);
    expect((await master.exec('systemctl is-enabled u7s; systemctl is-active u7s')).stdout).toBe('enabled\nactive\n');
    // the wrapper records its flags in its env file, not what kubeadm generated: no token, no key
    const env = readFileSync(join(lab.dir, 'nodes/cp-1/etc/podsec/u7s/config/env'), 'utf8');
    expect(env).toContain(`U7S_APISERVERENDPOINT=${ip(1)}:6443\n`);
    expect(env).toContain('U7S_TOKEN=\n');
    expect(env).toContain('U7S_CERIFICATEKEY=\n');
    expect(env).not.toContain(m.token);
    expect(env).not.toContain(m.certificateKey);
    const log = actions(lab, 'cp-1');
    expect(log.filter((a) => a.event === 'init' && a.exit === 0)).toHaveLength(1);
    expect(log.some((a) => a.argv.join(' ') === 'apt-get update' && a.parent === 'podsec-u7s-kubeadm')).toBe(true);
  });

  test('the native kubeadm init/join (not the wrapper) is refused', async () => {
    const { node } = await setup({ workers: 0 });
    const r = await (await node('cp-1')).exec('kubeadm init');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('export PATH=/usr/libexec/podsec/u7s/bin/:$PATH');
  });

  test('re-running init asks Clear directory? y/N (a whole line, then a read) before it deletes anything; anything but y exits 1', async () => {
    const { node, exists, ip } = await setup({ workers: 0 });
    const master = await node('cp-1');
    await initMaster(master, ip(1));
    const no = await master.exec(`${WRAPPER} kubeadm init`, { pty: true, answers: [[/Clear directory\? y\/N:\r?\n/, 'n']] });
    expect(no.code).toBe(1);
    expect(no.stdout).toContain('An etcd cluster data directory was found on the server /var/lib/podsec/u7s/etcd/member from previous deployment. Clear directory? y/N:\r\n');
    // the question comes first: nothing is deleted when the answer is no
    for (const f of ['etc/kubernetes/admin.conf', 'etc/kubernetes/kubelet.conf', 'etc/kubernetes/pki/ca.crt', 'var/lib/podsec/u7s/etcd/member']) expect(exists('cp-1', f), f).toBe(true);
    const eof = await master.exec(`${WRAPPER} kubeadm init`, { stdin: '' });
    expect(eof.code).toBe(1);
    expect(exists('cp-1', 'etc/kubernetes/admin.conf')).toBe(true);
    const yes = await master.exec(`${WRAPPER} kubeadm init`, { pty: true, answers: [[/Clear directory\? y\/N:\r?\n/, 'y']] });
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
    expect(said(unreachable)).toContain(`dial tcp ${ip(2)}:6443: connect: connection refused`);
    const badToken = await worker.exec(joinCommand({ ...m, token: 'abcdef.0123456789abcdef' }));
    expect(said(badToken)).toContain('could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"');
    const badHash = await worker.exec(joinCommand({ ...m, caHash: '0'.repeat(64) }));
    expect(said(badHash)).toContain('none of the public keys');
    for (const r of [unreachable, badToken, badHash]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Cluster deployment failed.');
    }

    expectOk(await worker.exec(joinCommand(m)), 'join');
    expect(exists('worker-1', 'etc/kubernetes/kubelet.conf')).toBe(true);
    // a join's flags are in the env file in clear text, world-readable (a hazard to know about)
    const env = readFileSync(join(lab.dir, 'nodes/worker-1/etc/podsec/u7s/config/env'), 'utf8');
    expect(env).toContain(`U7S_TOKEN=${m.token}\n`);
    expect(env).toContain(`U7S_CACERTHASH=sha256:${m.caHash}\n`);
    const again = await worker.exec(joinCommand(m));
    expect(again.code).toBe(1);
    expect(said(again)).toContain('a Node with name "worker-1" and status "Ready" already exists in the cluster');
    expect(exists('worker-1', 'etc/kubernetes/kubelet.conf')).toBe(false); // the wrapper's clean-up came first
    expect(actions(lab, 'worker-1').filter((a) => a.event === 'join-worker').map((a) => a.exit)).toEqual([1, 1, 1, 0, 1]);
  });

  test('the first master applies flannel itself; nodes are Ready only where registry.local is insecure and the policy and keys are in place', async () => {
    const { lab, node, exists, ip } = await setup({ workers: 3 });
    const master = await node('cp-1');
    const m = await initMaster(master, ip(1));
    // the wrapper wrote the manifest where podsec keeps it and applied it (podsec ships nothing
    // under u7s-admin's usernetes/manifests)
    expect(exists('cp-1', 'etc/kubernetes/manifests/kube-flannel.yml')).toBe(true);
    expect(readFileSync(join(lab.dir, 'nodes/cp-1/etc/kubernetes/manifests/kube-flannel.yml'), 'utf8')).toContain('image: registry.local/p10/flannel:v0.22.3');
    expect(exists('cp-1', 'var/lib/u7s-admin/usernetes/manifests/kube-flannel.yml')).toBe(false);
    expect(actions(lab, 'cp-1').some((a) => a.event === 'cni-applied' && a.parent === 'podsec-u7s-kubeadm')).toBe(true);
    expectOk(await master.exec('kubectl get daemonset kube-flannel-ds -n kube-flannel'), 'the CNI is there');

    const [w1, w2, w3] = await Promise.all(['worker-1', 'worker-2', 'worker-3'].map((n) => node(n)));
    await copyPolicy(w1!, ip(1));
    // worker-3 gets the master's policy files and keys copied, but not podsec-create-policy: its
    // registries.conf does not mark registry.local (plain HTTP) insecure
    for (const f of ['etc/containers/policy.json', 'etc/containers/registries.d/default.yaml', 'var/sigstore/keys/imagemaker.pgp']) {
      const to = join(lab.dir, 'nodes/worker-3', f);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(lab.dir, 'nodes/cp-1', f), to);
    }
    expectOk(await w3!.exec(`echo "${ip(1)} registry.local sigstore.local trivy.local" >> /etc/hosts`), 'hosts line');
    for (const w of [w1!, w2!, w3!]) expectOk(await w.exec(joinCommand(m)), 'join');
    const json = JSON.parse(expectOk(await master.exec('kubectl get nodes -o json'), 'get -o json').stdout);
    const ready = Object.fromEntries(json.items.map((i: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }) => [i.metadata.name, i.status.conditions.find((c) => c.type === 'Ready')?.status]));
    // worker-2: no policy at all; worker-3: an HTTPS client against a plain-HTTP registry
    expect(ready).toEqual({ 'cp-1': 'True', 'worker-1': 'True', 'worker-2': 'False', 'worker-3': 'False' });
    expect((await w3!.exec('cat /etc/containers/registries.conf')).stdout).not.toContain('registry.local');
    await copyPolicy(w2!, ip(1));
    expect((await master.exec('kubectl wait --for=condition=Ready node/worker-2 --timeout=5s')).stdout).toBe('node/worker-2 condition met\n');
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
    expect(said(late)).toContain('could not find a JWS signature');
    const fresh = expectOk(await master.exec('/usr/bin/kubeadm token create --print-join-command'), 'token create').stdout.trim();
    expect(fresh).toMatch(/^kubeadm join 127\.\d+\.\d+\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/);
    expectOk(await worker.exec(`${WRAPPER} ${fresh}`), 'join with a fresh token');
    const short = expectOk(await master.exec('/usr/bin/kubeadm token create --ttl 1h'), 'ttl').stdout.trim();
    advanceClock(lab.dir, 2 * 3_600_000);
    expect((await master.exec('/usr/bin/kubeadm token list')).stdout).not.toContain(short);
  });

  test('kubeadm reset -f inside u7s-admin\'s namespaces takes the node out of the cluster; on the host it is not modelled', async () => {
    const { node, exists, ip } = await setup({ workers: 1 });
    const master = await node('cp-1');
    const worker = await node('worker-1');
    const m = await initMaster(master, ip(1));
    await copyPolicy(worker, ip(1));
    expectOk(await worker.exec(joinCommand(m)), 'join');
    const host = await worker.exec('/usr/bin/kubeadm reset -f');
    expect(host.code).toBe(1);
    expect(host.stderr).toContain("outside u7s-admin's RootlessKit namespaces");
    expectOk(await worker.exec(`${IN_NAMESPACE} reset -f`), 'reset');
    expect(exists('worker-1', 'etc/kubernetes/kubelet.conf')).toBe(false);
    expect((await master.exec('kubectl get nodes -o name')).stdout).toBe('node/cp-1\n');
    const asked = await worker.exec(`${IN_NAMESPACE} reset`, { pty: true, answers: [[/\[y\/N\]: $/, 'n']] });
    expect(asked.code).toBe(1);
    // u7s.service off: nsenter finds no RootlessKit, the command never runs
    expectOk(await worker.exec('systemctl disable --now u7s'), 'u7s off');
    const off = await worker.exec(`${IN_NAMESPACE} reset -f`);
    expect(off.code).toBe(1);
    expect(off.stderr).toContain('nsenter failed after 10 attempts, RootlessKit not running?');
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
    expect(said(noLb)).toContain(`dial tcp ${vip}:8443: connect: no route to host`);

    await setupLb(lb, [ip(1), ip(2), ip(3)], vip);
    const init = await master.exec(`${WRAPPER} kubeadm init ${ha}`, { pty: true, answers: [[/Clear directory\? y\/N:/, 'y']] });
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
    // worker-1 names registry.local but has not had podsec-create-policy: registry.local is not
    // marked insecure there, so the control-plane preflight cannot pull the images
    expectOk(await worker.exec(`echo "${ip(1)} registry.local sigstore.local trivy.local" >> /etc/hosts`), 'hosts line');
    const workerAsCp = await worker.exec(joinCommand({ ...m, endpoint: `${ip(1)}:6443` }, true));
    expect(workerAsCp.code).toBe(1);
    expect(said(workerAsCp)).toContain('server gave HTTP response to HTTPS client');
    expectOk(await worker.exec("sed -i '/registry.local/d' /etc/hosts"), 'hosts line gone');
    expectOk(await cp2.exec(joinCommand(m, true)), 'cp-2 joins with the init key');

    advanceClock(lab.dir, 3 * 3_600_000);
    const stale = await cp3.exec(joinCommand(m, true));
    expect(stale.code).toBe(1);
    expect(said(stale)).toContain('Secret "kubeadm-certs" was not found');
    const key1 = expectOk(await master.exec('/usr/bin/kubeadm init phase upload-certs --upload-certs'), 'upload-certs').stdout.trim().split('\n').pop()!;
    const key2 = expectOk(await master.exec('/usr/bin/kubeadm init phase upload-certs --upload-certs'), 'upload-certs').stdout.trim().split('\n').pop()!;
    expect(key1).toMatch(/^[0-9a-f]{64}$/);
    const old = await cp3.exec(joinCommand({ ...m, certificateKey: key1 }, true));
    expect(said(old)).toContain('message authentication failed');
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
    expect(said(r)).toContain("doesn't have a stable controlPlaneEndpoint address");

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
    expect(said(busy)).toContain('etcdserver: unhealthy cluster');
    writeFileSync(file, JSON.stringify({ ...state, etcdJoin: null }));
    expectOk(await cp2b.exec(joinCommand(m2, true)), 'join once nothing is in flight');
    expect(actions(lab2, 'cp-2').filter((a) => a.event === 'join-control-plane').map((a) => a.exit)).toEqual([1, 0]);
    expect(actions(lab, 'cp-2').filter((a) => a.event === 'join-control-plane').map((a) => a.exit)).toEqual([1]);
  });
});

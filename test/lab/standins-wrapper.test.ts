// The podsec kubeadm wrapper stand-in against podsec-k8s/bin/podsec-u7s-kubeadm (alt-cloud/podsec
// commit 5014172): apt-get on every call, getopt against the u7s_flags table (garbled arguments
// on an unknown option), subcommands other than init/join passed to the native kubeadm inside
// u7s-admin's namespaces (so `init phase …` is a full init), and the U7S_* settings as
// installKubeadm, getPlatform and setRegistryName arrive at them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { actions, connectNode, freshLab, type ActionLine, type NodeSession } from './lab-client.js';
import { WRAPPER, copyPolicy, expectOk, joinCommand, parseInitOutput, said, secureMaster } from './podsec-flow.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(workers = 1) {
  const lab = await freshLab({ workers });
  cleanups.push(() => lab.cleanup());
  const node = async (name: string): Promise<NodeSession> => {
    const s = await connectNode(lab, name);
    cleanups.push(() => s.end());
    return s;
  };
  const master = await node('cp-1');
  await secureMaster(master, `${lab.subnet}.1`);
  const m = parseInitOutput(expectOk(await master.exec(`${WRAPPER} kubeadm init`), 'init').stdout);
  return { lab, node, master, m, exists: (n: string, p: string) => existsSync(join(lab.dir, 'nodes', n, p)) };
}

/** The wrapper's own actions.log lines on a node. */
const wrapperRuns = (lines: ActionLine[]) => lines.filter((a) => a.program === 'podsec-u7s-kubeadm');
const PATH_ONLY = 'export PATH=/usr/libexec/podsec/u7s/bin/:$PATH;';

describe('what the wrapper does with subcommands other than init and join', () => {
  test('token create --print-join-command --ttl: getopt\'s errors become arguments, and apt-get runs first', async () => {
    const { lab, master } = await setup(0);
    const before = actions(lab, 'cp-1').filter((a) => a.event === 'apt-update').length;
    const r = await master.exec(`${WRAPPER} kubeadm token create --print-join-command --ttl 1h`);
    expect(r.code).toBe(1);
    expect(said(r)).toContain('accepts at most 1 arg(s), received 9');
    const run = wrapperRuns(actions(lab, 'cp-1')).at(-1)!;
    expect(run.garbled).toBe("kubeadm: unrecognized option '--print-join-command'\nkubeadm: unrecognized option '--ttl'");
    expect(run.native).toEqual(['token', 'create', '1h', 'kubeadm:', 'unrecognized', 'option', "'--print-join-command'", 'kubeadm:', 'unrecognized', 'option', "'--ttl'"]);
    expect(actions(lab, 'cp-1').filter((a) => a.event === 'apt-update')).toHaveLength(before + 1);
    // podsec's INSTALL.md: the native kubeadm on the host
    const native = expectOk(await master.exec('/usr/bin/kubeadm token create --print-join-command --ttl 1h'), 'native').stdout;
    expect(native).toMatch(/^kubeadm join 127\.\d+\.\d+\.1:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \n$/);
  });

  test('init phase upload-certs through the wrapper is a full init: on the master it meets the etcd question and exits 1', async () => {
    const { lab, master, exists } = await setup(0);
    const r = await master.exec(`${WRAPPER} kubeadm init phase upload-certs --upload-certs`, { stdin: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Clear directory? y/N:');
    expect(wrapperRuns(actions(lab, 'cp-1')).at(-1)).toMatchObject({ cmd: 'init', etcdQuestion: true, etcdAnswer: null, exit: 1 });
    expect(actions(lab, 'cp-1').some((a) => a.event === 'certs-uploaded')).toBe(false);
    expect(exists('cp-1', 'etc/kubernetes/admin.conf')).toBe(true);
    const key = expectOk(await master.exec('/usr/bin/kubeadm init phase upload-certs --upload-certs'), 'native upload-certs').stdout.trim().split('\n').pop();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  test('reset: -f is not in the table (the command comes out as "f"); a flag of the table reaches the native kubeadm in the namespaces', async () => {
    const { lab, master, exists } = await setup(0);
    const f = await master.exec(`${WRAPPER} kubeadm reset -f`);
    expect(f.code).toBe(1);
    expect(said(f)).toContain('unknown command "f" for "kubeadm"');
    expect(wrapperRuns(actions(lab, 'cp-1')).at(-1)).toMatchObject({ garbled: "kubeadm: invalid option -- 'f'", cmd: 'f' });
    expect(exists('cp-1', 'etc/kubernetes/admin.conf')).toBe(true);
    const asked = await master.exec(`${WRAPPER} kubeadm reset --cleanup-tmp-dir`, { pty: true, answers: [[/\[y\/N\]: $/, 'n']] });
    expect(asked.code).toBe(1);
    expect(asked.stdout).toContain('Entering RootlessKit namespaces: OK');
    expect(wrapperRuns(actions(lab, 'cp-1')).at(-1)).toMatchObject({ cmd: 'reset', native: ['reset', '--cleanup-tmp-dir'], namespace: 'u7s-admin' });
    expect(exists('cp-1', 'etc/kubernetes/admin.conf')).toBe(true);
  });
});

describe('the U7S_* settings of a join', () => {
  test('without U7S_KUBEVERSION the newest minor of the repository is installed and the join fails; with it, the platform comes from /etc/os-release', async () => {
    const { lab, node, m } = await setup(1);
    const worker = await node('worker-1');
    await copyPolicy(worker, `${lab.subnet}.1`);
    const bare = await worker.exec(`${PATH_ONLY} kubeadm join ${m.endpoint} --token ${m.token} --discovery-token-ca-cert-hash sha256:${m.caHash}`);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('Image version p10/kube-apiserver  with tag v1.31.6 unavailable');
    expect(bare.stderr).toContain('The following minor versions are available: v1.28');
    expect(actions(lab, 'worker-1').some((a) => a.event === 'apt-install' && (a.packages as string[]).includes('kubernetes1.31-kubeadm'))).toBe(true);
    expectOk(await worker.exec(`${PATH_ONLY} U7S_KUBEVERSION=v1.28.3 kubeadm join ${m.endpoint} --token ${m.token} --discovery-token-ca-cert-hash sha256:${m.caHash}`), 'join');
    expect(wrapperRuns(actions(lab, 'worker-1')).at(-1)).toMatchObject({ event: 'join-worker', u7s: { kubeVersion: 'v1.28.3', registry: 'registry.local', platform: 'p10', given: ['U7S_KUBEVERSION'] }, exit: 0 });
  });

  test('U7S_REGISTRY: any non-empty value is ignored when /etc/hosts names registry.local; empty means registry.k8s.io', async () => {
    const { lab, node } = await setup(1);
    const worker = await node('worker-1');
    await copyPolicy(worker, `${lab.subnet}.1`);
    // `kubeadm version` goes to the native kubeadm in the namespaces (not running here: exit 1),
    // after the wrapper has settled its settings
    await worker.exec(`${PATH_ONLY} U7S_KUBEVERSION=v1.28.3 U7S_REGISTRY=registry.altlinux.org kubeadm version`);
    expect(wrapperRuns(actions(lab, 'worker-1')).at(-1)?.u7s).toMatchObject({ registry: 'registry.local', platform: 'p10' });
    await worker.exec(`${PATH_ONLY} U7S_KUBEVERSION=v1.28.3 U7S_REGISTRY= kubeadm version`);
    expect(wrapperRuns(actions(lab, 'worker-1')).at(-1)?.u7s).toMatchObject({ registry: 'registry.k8s.io', platform: '' });
  });

  test('a version without its leading v: the wrapper says so and exits 0 having done nothing', async () => {
    const { lab, node, m, exists } = await setup(1);
    const worker = await node('worker-1');
    await copyPolicy(worker, `${lab.subnet}.1`);
    const r = await worker.exec(`${PATH_ONLY} U7S_KUBEVERSION=1.28.3 kubeadm join ${m.endpoint} --token ${m.token} --discovery-token-ca-cert-hash sha256:${m.caHash}`);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Variable value U7S_KUBEVERSION must start with a symbol 'v'");
    expect(exists('worker-1', 'etc/kubernetes/kubelet.conf')).toBe(false);
    expect(actions(lab, 'worker-1').some((a) => a.event === 'join-worker')).toBe(false);
  });

  test('the platform of an ALT branch: ALT_BRANCH_ID c10f1 reads as c10f', async () => {
    const { lab, node } = await setup(1);
    writeFileSync(join(lab.dir, 'nodes/worker-1/etc/os-release'), 'NAME="ALT SP Server"\nALT_BRANCH_ID=c10f1\nCPE_NAME="cpe:/o:alt:spserver:10"\n');
    const worker = await node('worker-1');
    await worker.exec(`${PATH_ONLY} U7S_KUBEVERSION=v1.28.3 kubeadm version`);
    expect(wrapperRuns(actions(lab, 'worker-1')).at(-1)?.u7s).toMatchObject({ platform: 'c10f' });
    expect(readFileSync(join(lab.dir, 'nodes/worker-1/etc/os-release'), 'utf8')).toContain('c10f1');
  });

  test('a join through the wrapper with all three values joins', async () => {
    const { lab, node, m } = await setup(1);
    const worker = await node('worker-1');
    await copyPolicy(worker, `${lab.subnet}.1`);
    expectOk(await worker.exec(joinCommand(m)), 'join');
  });
});

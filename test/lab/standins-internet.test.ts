// The lab's public registry, for podsec's "with Internet access" mode: a node without
// registry.local in /etc/hosts inits from registry.altlinux.org while host.json lets it reach
// the Internet's registries; cut off (publicRegistries: false), curl cannot resolve the registry
// and the wrapper finds no image tags and exits 1, as the real getKuberImages does.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { editHost, readNodeFile } from '../helpers/lab-host.js';
import { actions, connectNode, freshLab, type NodeSession } from './lab-client.js';

type Lab = Awaited<ReturnType<typeof freshLab>>;
let lab: Lab;
let master: NodeSession;
let worker: NodeSession;

const INTERNET = 'export PATH=/usr/libexec/podsec/u7s/bin/:$PATH; U7S_KUBEVERSION=v1.28.3 U7S_REGISTRY=registry.altlinux.org U7S_PLATFORM=p10';
const PROBE = "curl -s -o /dev/null -w '%{http_code}' https://registry.altlinux.org/v2/";

beforeAll(async () => {
  lab = await freshLab({ workers: 1 });
  master = await connectNode(lab, 'cp-1');
  worker = await connectNode(lab, 'worker-1');
});
afterAll(async () => {
  master?.end();
  worker?.end();
  await lab?.cleanup();
});

describe('the public registry', () => {
  test('answers over HTTPS while the node reaches the Internet; cut off, the name does not resolve', async () => {
    expect(await worker.exec(PROBE)).toMatchObject({ code: 0, stdout: '200' });
    editHost(lab, 'worker-1', { publicRegistries: false });
    const cut = await worker.exec(`curl -sS -o /dev/null https://registry.altlinux.org/v2/`);
    expect(cut).toMatchObject({ code: 6 });
    expect(cut.stderr).toContain('Could not resolve host: registry.altlinux.org');
    // the package mirror is another matter (an ALT mirror may be local)
    expect((await worker.exec('curl -s -o /dev/null -w %{http_code} http://ftp.altlinux.org/pub/distributions/ALTLinux/')).stdout).toBe('200');
    editHost(lab, 'worker-1', { publicRegistries: true });
  });

  test('kubeadm init without registry.local: the wrapper pulls from registry.altlinux.org', async () => {
    const r = await master.exec(`${INTERNET} kubeadm init`);
    expect(r.code, r.stderr).toBe(0);
    const init = actions(lab, 'cp-1').find((a) => a.event === 'init');
    expect(init?.['u7s']).toMatchObject({ registry: 'registry.altlinux.org', platform: 'p10' });
    expect(r.stderr).toContain('Image version p10/kube-apiserver with tag v1.28.3 available. Loading...');
  });

  test('a control plane gets podsec\'s audit policy and tuneAudit\'s kube-apiserver flags; the log appears only when the API server writes it', async () => {
    expect(readNodeFile(lab, 'cp-1', '/etc/kubernetes/audit/policy.yaml')).toBe(readNodeFile(lab, 'cp-1', '/etc/podsec/u7s/audit/policy.yaml'));
    const manifest = readNodeFile(lab, 'cp-1', '/etc/kubernetes/manifests/kube-apiserver.yaml');
    expect(manifest).toContain('- --audit-policy-file=/etc/kubernetes/audit/policy.yaml\n    - --audit-log-path=/etc/kubernetes/audit/audit.log\n    - --audit-log-maxsize=500\n    - --audit-log-maxbackup=3\n');
    expect(manifest).toContain('  - hostPath:\n      path: /etc/kubernetes/audit\n      type: DirectoryOrCreate\n    name: audit\n');
    expect(manifest).toContain('image: registry.altlinux.org/p10/kube-apiserver:v1.28.3');
    expect(actions(lab, 'cp-1').find((a) => a.event === 'init')?.['auditTuned']).toBe(true);
    expect((await master.exec('test -e /etc/kubernetes/audit/audit.log')).code).toBe(1);
  });

  test('a node cut off from it cannot join: no image tags, exit 1, nothing joined', async () => {
    editHost(lab, 'worker-1', { publicRegistries: false });
    const token = (await master.exec('/usr/bin/kubeadm token create --print-join-command')).stdout.trim().replace(/^kubeadm /, '');
    const r = await worker.exec(`${INTERNET} kubeadm ${token}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Image version p10/kube-apiserver  with tag v1.28.3 unavailable');
    expect(actions(lab, 'worker-1').some((a) => a.event === 'join-worker')).toBe(false);
  });
});

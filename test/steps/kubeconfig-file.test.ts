import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCa } from '../../lab/standins/lib/pki.mjs';
import { caCertHashOf, parseKubeconfig, tokenSigns, type ClusterInfo } from '../../steps/lib/kube-api-client.js';
import { adminKubeconfigFor, kubeconfigNote, maskKubeconfig, writeKubeconfigFile } from '../../steps/lib/kubeconfig-file.js';
import { kubeconfigPathFor } from '../../cli/kubeconfig-path.js';

const dir = mkdtempSync(join(tmpdir(), 'podsec-play-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAChRANCAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n';

async function adminConf(server = 'https://10.0.0.1:6443'): Promise<string> {
  const ca = await makeCa();
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${b64(ca.cert)}
    server: ${server}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: ${b64(ca.cert)}
    client-key-data: ${b64(KEY)}
`;
}

describe('the admin kubeconfig on the controller', () => {
  it('points at the control-plane endpoint and is named after the cluster, credentials untouched', async () => {
    const raw = await adminConf();
    const out = adminKubeconfigFor(raw, { server: 'https://10.0.0.100:8443', cluster: 'prod' });
    const doc = parse(out) as { clusters: { name: string; cluster: Record<string, string> }[]; contexts: { name: string; context: Record<string, string> }[]; users: { name: string; user: Record<string, string> }[]; 'current-context': string };
    expect(doc.clusters[0]).toMatchObject({ name: 'prod', cluster: { server: 'https://10.0.0.100:8443' } });
    expect(doc.users[0]!.name).toBe('prod-admin');
    expect(doc.contexts[0]).toEqual({ name: 'prod-admin@prod', context: { cluster: 'prod', user: 'prod-admin' } });
    expect(doc['current-context']).toBe('prod-admin@prod');
    const before = parseKubeconfig(raw, 'raw');
    const after = parseKubeconfig(out, 'out');
    expect(after.caCertHash).toBe(before.caCertHash);
    expect(after.secrets).toEqual(before.secrets);
    expect(after.endpoint).toBe('10.0.0.100:8443');
  });

  it('registers the key in every form output could show it: base64, and each PEM body line', async () => {
    const parsed = parseKubeconfig(await adminConf(), 'admin.conf');
    const secrets: string[] = [];
    maskKubeconfig({ secret: (s) => secrets.push(s) }, parsed);
    expect(secrets).toContain(b64(KEY));
    for (const line of KEY.split('\n').filter((l) => l && !l.startsWith('-----'))) expect(secrets).toContain(line);
    expect(secrets).toContain(KEY.split('\n').filter((l) => l && !l.startsWith('-----')).join(''));
    // never a marker or a whole PEM: the masker would register its every line, markers included
    expect(secrets.filter((s) => s.includes('-----') || s.includes('\n'))).toEqual([]);
  });

  it('is written 0600; a different earlier file is kept as FILE.previous, the same one is left alone', () => {
    const file = join(dir, 'sub', 'c.kubeconfig');
    expect(writeKubeconfigFile(file, 'one\n')).toEqual({ replaced: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(writeKubeconfigFile(file, 'one\n')).toEqual({ replaced: false });
    expect(existsSync(`${file}.previous`)).toBe(false);
    expect(writeKubeconfigFile(file, 'two\n')).toEqual({ replaced: true });
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(readFileSync(`${file}.previous`, 'utf8')).toBe('one\n');
    expect(statSync(`${file}.previous`).mode & 0o777).toBe(0o600);
  });

  it.each([
    [{ name: 'prod' }, undefined, 'prod.kubeconfig'],
    [{ name: 'my cluster/1' }, undefined, 'my-cluster-1.kubeconfig'],
    [{ name: 'prod', kubeconfig: 'keys/admin.conf' }, undefined, 'keys/admin.conf'],
    [{ name: 'prod', kubeconfig: 'keys/admin.conf' }, '/elsewhere/x.conf', '/elsewhere/x.conf'],
  ])('lives where the run and the kubeconfig command agree: %j, --kubeconfig %s', (cluster, override, expected) => {
    const path = kubeconfigPathFor({ file: join(dir, 'inventory.yaml'), cluster }, override);
    expect(path).toBe(expected.startsWith('/') ? expected : join(dir, expected));
  });

  it('tells the admin where it is and what to type', () => {
    expect(kubeconfigNote('/x/prod.kubeconfig', 'prod')).toContain('kubectl --kubeconfig /x/prod.kubeconfig get nodes');
  });

  it('refuses what is not a kubeconfig, with the source named and no content', () => {
    expect(() => parseKubeconfig('apiVersion: v1\nkind: Config\n', 'admin.conf on cp-1')).toThrow(/admin\.conf on cp-1/);
    expect(() => parseKubeconfig('clusters: [{name: a, cluster: {server: "http://x:1"}}]\ncontexts: [{name: c, context: {cluster: a, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {}}]\n', 'f')).toThrow(/is not https/);
  });
});

describe('kubeadm discovery checks from the controller', () => {
  const kubeconfig = 'apiVersion: v1\nclusters: []\n';
  /** A detached JWS as kube-controller-manager's bootstrap signer makes it (HS256, kid = token id). */
  function jws(content: string, id: string, secret: string): string {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: id })).toString('base64url');
    const sig = createHmac('sha256', secret).update(`${header}.${Buffer.from(content).toString('base64url')}`).digest('base64url');
    return `${header}..${sig}`;
  }
  const info = (signatures: Record<string, string>): ClusterInfo => ({ endpoint: 'e:1', caPem: '', caCertHash: 'sha256:x', server: 'https://e:1', kubeconfig, signatures });

  it('a token signs cluster-info only with its own secret, over this very content, with HS256', () => {
    expect(tokenSigns(info({ abcdef: jws(kubeconfig, 'abcdef', '0123456789abcdef') }), 'abcdef.0123456789abcdef')).toBe(true);
    expect(tokenSigns(info({ abcdef: jws(kubeconfig, 'abcdef', '0123456789abcdef') }), 'abcdef.0123456789abcdeX')).toBe(false);
    expect(tokenSigns(info({ abcdef: jws(`${kubeconfig}#`, 'abcdef', '0123456789abcdef') }), 'abcdef.0123456789abcdef')).toBe(false);
    expect(tokenSigns(info({}), 'abcdef.0123456789abcdef')).toBe(false);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}..`;
    expect(tokenSigns(info({ abcdef: none }), 'abcdef.0123456789abcdef')).toBe(false);
  });

  it('the CA hash is kubeadm\'s: sha256 of the DER public key', async () => {
    const ca = await makeCa();
    const pki = await import('../../lab/standins/lib/pki.mjs');
    expect(caCertHashOf(ca.cert)).toBe(`sha256:${pki.caHashOf(ca.cert)}`);
    expect(caCertHashOf(ca.cert)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

// The lab's Kubernetes API server over real HTTPS, as a client sees it: TLS with the cluster CA
// made at `kubeadm init`, client-certificate and bootstrap-token authentication (401 for unknown
// or expired credentials), kubeadm's default access rules (403), the resources it serves and 404
// for the rest, answers that follow the simulated state (a stopped u7s.service, a stopped
// haproxy), and the VIP routed the way haproxy behind keepalived would route it.
import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { advanceClock } from '../../lab/index.js';
import { makeCa, issueCert } from '../../lab/standins/lib/pki.mjs';
import { connectNode, freshLab, type NodeSession } from './lab-client.js';
import { WRAPPER, expectOk, secureMaster, setupLb, vipOf } from './podsec-flow.js';

interface Reply {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
  date: string | undefined;
}
interface Creds {
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
}

/** One HTTPS request; `error` instead of a reply when the connection fails. */
function call(url: string, creds: Creds, o: { method?: string; body?: unknown; type?: string; accept?: string } = {}): Promise<Reply | { error: string }> {
  return new Promise((resolve) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = request(
      url,
      {
        method: o.method ?? 'GET',
        ...(creds.ca ? { ca: creds.ca } : { rejectUnauthorized: false }),
        ...(creds.cert ? { cert: creds.cert, key: creds.key } : {}),
        headers: {
          ...(creds.token ? { Authorization: `Bearer ${creds.token}` } : {}),
          ...(payload ? { 'Content-Type': o.type ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          ...(o.accept ? { Accept: o.accept } : {}),
        },
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as Record<string, unknown>, date: res.headers.date }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(payload);
  });
}

async function ok(url: string, creds: Creds, o: Parameters<typeof call>[2] = {}): Promise<Reply> {
  const r = await call(url, creds, o);
  if ('error' in r) throw new Error(`${url}: ${r.error}`);
  return r;
}

let lab: Awaited<ReturnType<typeof freshLab>>;
let master: NodeSession;
let lb: NodeSession;
let admin: Creds;
let api: string;
let vipApi: string;

beforeAll(async () => {
  lab = await freshLab({ workers: 0, lbs: 1 });
  master = await connectNode(lab, 'cp-1');
  lb = await connectNode(lab, 'lb-1');
  const ip = `${lab.subnet}.1`;
  const vip = vipOf(lab);
  await secureMaster(master, ip);
  await setupLb(lb, [ip], vip);
  expectOk(await master.exec(`${WRAPPER} kubeadm init --control-plane-endpoint ${vip}:8443 --upload-certs`), 'init');
  const conf = parse(readFileSync(join(lab.dir, 'nodes/cp-1/etc/kubernetes/admin.conf'), 'utf8')) as {
    clusters: { cluster: Record<string, string> }[];
    users: { user: Record<string, string> }[];
  };
  const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
  admin = { ca: b64(conf.clusters[0]!.cluster['certificate-authority-data']), cert: b64(conf.users[0]!.user['client-certificate-data']), key: b64(conf.users[0]!.user['client-key-data']) };
  api = `https://${ip}:6443`;
  vipApi = `https://${vip}:8443`;
}, 60_000);

afterAll(async () => {
  master?.end();
  lb?.end();
  await lab?.cleanup();
});

describe('TLS and who is asking', () => {
  test('the serving certificate is the cluster CA\'s and names the control plane and the VIP', async () => {
    expect((await ok(`${api}/healthz`, { ca: admin.ca })).body).toBe('ok');
    expect((await ok(`${vipApi}/healthz`, { ca: admin.ca })).body).toBe('ok');
    const other = await makeCa();
    expect(await call(`${api}/healthz`, { ca: other.cert })).toEqual({ error: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  test('a TLS 1.2 session is resumed, as haproxy\'s check-ssl resumes it between health checks', async () => {
    const { host, port } = new URL(api);
    const handshake = (session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        const socket = tlsConnect({ host: host.replace(/:\d+$/, ''), port: Number(port), ca: admin.ca, maxVersion: 'TLSv1.2', ...(session ? { session } : {}) }, () => {
          const out = { reused: socket.isSessionReused(), session: socket.getSession() };
          socket.end();
          resolve(out);
        });
        socket.on('error', reject);
      });
    const first = await handshake();
    expect(first.reused).toBe(false);
    // (without a session id context OpenSSL answered the resumption with an internal-error alert)
    expect((await handshake(first.session)).reused).toBe(true);
  });

  test('anyone may read health, version and cluster-info; nothing else', async () => {
    expect((await ok(`${api}/version`, {})).json()).toMatchObject({ gitVersion: 'v1.28.3', major: '1', minor: '28' });
    const info = (await ok(`${api}/api/v1/namespaces/kube-public/configmaps/cluster-info`, {})).json() as { data: Record<string, string> };
    expect(info.data['kubeconfig']).toContain(`server: https://${vipOf(lab)}:8443`);
    const nodes = await ok(`${api}/api/v1/nodes`, {});
    expect(nodes.status).toBe(403);
    expect(nodes.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: 'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope' });
    expect((await ok(`${api}/no/such/path`, {})).status).toBe(403);
  });

  test('admin.conf\'s client certificate is kubernetes-admin in system:masters; other paths are 404', async () => {
    const list = (await ok(`${api}/api/v1/nodes`, admin)).json() as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('NodeList');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['cp-1']);
    const missing = await ok(`${api}/no/such/path`, admin);
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    expect((await ok(`${api}/apis/apps/v1/deployments`, admin)).status).toBe(404);
    expect((await ok(`${api}/api/v1/nodes/nobody`, admin)).json()).toMatchObject({ reason: 'NotFound', message: 'nodes "nobody" not found' });
  });

  test('a client certificate of another CA, an unknown token, an expired bootstrap token: 401', async () => {
    const other = await makeCa();
    const stranger = await issueCert(other, { cn: 'kubernetes-admin', o: ['system:masters'], client: true });
    for (const creds of [{ ca: admin.ca, ...stranger }, { ca: admin.ca, token: 'abcdef.0123456789abcdef' }, { ca: admin.ca, token: 'not-a-bootstrap-token' }]) {
      const r = await ok(`${api}/api/v1/nodes`, creds);
      expect(r.status).toBe(401);
      expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
  });
});

describe('bootstrap tokens as Secrets', () => {
  const secret = (id: string, token: string, expiration: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    stringData: { 'token-id': id, 'token-secret': token, expiration, 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true' },
  });
  const secrets = `/api/v1/namespaces/kube-system/secrets`;

  test('created, listed, used to authenticate and to sign cluster-info, expired by lab time, deleted', async () => {
    const created = await ok(`${api}${secrets}`, admin, { method: 'POST', body: secret('lab123', '0123456789abcdef', new Date(Date.parse((await ok(`${api}/version`, {})).date!) + 3_600_000).toISOString()) });
    expect(created.status).toBe(201);
    expect((await ok(`${api}${secrets}`, admin, { method: 'POST', body: secret('lab123', '0123456789abcdef', '2999-01-01T00:00:00Z') })).status).toBe(409);
    expect((await ok(`${api}${secrets}`, admin, { method: 'POST', body: { ...secret('lab124', '0123456789abcdef', '2999-01-01T00:00:00Z'), type: 'Opaque' } })).status).toBe(422);
    const names = ((await ok(`${api}${secrets}`, admin)).json() as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
    expect(names).toContain('bootstrap-token-lab123');

    const token = 'lab123.0123456789abcdef';
    expect((await ok(`${api}/api/v1/nodes/cp-1`, { ca: admin.ca, token })).status).toBe(200); // kubeadm:get-nodes
    expect((await ok(`${api}/api/v1/nodes`, { ca: admin.ca, token })).status).toBe(403);
    const info = (await ok(`${api}/api/v1/namespaces/kube-public/configmaps/cluster-info`, {})).json() as { data: Record<string, string> };
    expect(info.data['jws-kubeconfig-lab123']).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);

    advanceClock(lab.dir, 2 * 3_600_000);
    expect((await ok(`${api}/api/v1/nodes/cp-1`, { ca: admin.ca, token })).status).toBe(401);
    expect((await ok(`${api}${secrets}/bootstrap-token-lab123`, admin)).status).toBe(404);

    expect((await ok(`${api}${secrets}`, admin, { method: 'POST', body: secret('lab125', '0123456789abcdef', '2999-01-01T00:00:00Z') })).status).toBe(201);
    expect((await ok(`${api}${secrets}/bootstrap-token-lab125`, admin, { method: 'DELETE' })).status).toBe(200);
    expect((await ok(`${api}${secrets}/bootstrap-token-lab125`, admin, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('nodes and the simulated state', () => {
  test('patches of every kind kubectl sends; an unknown patch type is refused', async () => {
    const url = `${api}/api/v1/nodes/cp-1`;
    const merge = await ok(url, admin, { method: 'PATCH', type: 'application/strategic-merge-patch+json', body: { spec: { unschedulable: true }, metadata: { labels: { team: 'a' } } } });
    expect(merge.json()).toMatchObject({ spec: { unschedulable: true }, metadata: { labels: { team: 'a' } } });
    const json = await ok(url, admin, { method: 'PATCH', type: 'application/json-patch+json', body: [{ op: 'remove', path: '/spec/unschedulable' }] });
    expect((json.json() as { spec: object }).spec).toEqual({});
    expect((await ok(url, admin, { method: 'PATCH', type: 'application/apply-patch+yaml', body: {} })).status).toBe(415);
    const table = (await ok(`${api}/api/v1/nodes`, admin, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' })).json() as { kind: string; rows: { cells: unknown[] }[] };
    expect(table.kind).toBe('Table');
    // Ready: podsec's wrapper applied flannel itself at init
    expect(table.rows[0]!.cells.slice(0, 3)).toEqual(['cp-1', 'Ready', 'control-plane']);
  });

  test('a control plane whose u7s.service stops refuses connections; the VIP follows haproxy', async () => {
    expectOk(await master.exec('systemctl stop u7s'), 'stop u7s');
    expect(await call(`${api}/healthz`, { ca: admin.ca })).toHaveProperty('error');
    expect(await call(`${vipApi}/healthz`, { ca: admin.ca })).toHaveProperty('error');
    expectOk(await master.exec('systemctl start u7s'), 'start u7s');
    expect((await ok(`${vipApi}/healthz`, { ca: admin.ca })).body).toBe('ok');
    expectOk(await lb.exec('systemctl stop haproxy'), 'stop haproxy');
    expect(await call(`${vipApi}/healthz`, { ca: admin.ca })).toHaveProperty('error');
    expect((await ok(`${api}/healthz`, { ca: admin.ca })).body).toBe('ok');
    expectOk(await lb.exec('systemctl start haproxy'), 'start haproxy');
    expect((await ok(`${vipApi}/api/v1/nodes`, admin)).status).toBe(200);
  });

  test('the curl and kubectl stand-ins on a node tell the same story as the server', async () => {
    expect((await master.exec(`curl -sk https://${lab.subnet}.1:6443/healthz`)).stdout).toBe('ok');
    const standin = (await master.exec(`curl -sk https://${lab.subnet}.1:6443/no/such/path`)).stdout;
    const real = (await ok(`${api}/no/such/path`, {})).json();
    expect(JSON.parse(standin)).toMatchObject({ reason: real['reason'], message: real['message'] });
    const viaKubectl = JSON.parse(expectOk(await master.exec('kubectl get nodes -o json'), 'kubectl').stdout) as { items: unknown[] };
    const viaApi = (await ok(`${api}/api/v1/nodes`, admin)).json() as { items: { status: { conditions: unknown } }[] };
    const strip = (items: unknown[]) => (items as { metadata: { name: string }; spec: object; status: { conditions: { type: string; status: string }[] } }[]).map((i) => ({ name: i.metadata.name, spec: i.spec, ready: i.status.conditions.find((c) => c.type === 'Ready')?.status }));
    expect(strip(viaKubectl.items)).toEqual(strip(viaApi.items));
  });
});

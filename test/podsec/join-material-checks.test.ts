// Bad join material on a sealed cluster fails with a clear message before anything changes on
// the new node (the podsec wrapper wipes /etc/kubernetes before its own checks, so podsec-play
// must check first): an expired bootstrap token, a deleted one, a wrong CA hash, a kubeconfig
// of another cluster (another server, or this server with another CA). Judged from the CLI's
// output and exit code, the new node's actions.log and files. Then every channel those runs
// wrote — stdout, stderr, --json events, the log files, JUnit, status, the journal's error
// fields — is searched for the kubeconfigs' key material in every encoding: none may show it.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { advanceClock } from '../../lab/index.js';
import { connectKube, parseKubeconfig, type KubeClient } from '../../steps/lib/kube-api-client.js';
import { runCli, stopStrayProcesses } from '../helpers/cli.js';
import { actions, newLab, nodeFile, playbook, restartLab, scrubSecretEnv, type TestLab } from './helpers.js';

afterEach(stopStrayProcesses);
scrubSecretEnv();

/** Joins the inventory's unsealed workers with the material given in the environment, never re-minting. */
const JOIN_GIVEN = `name: join-given
phases:
  - name: join
    hosts: [worker]
    skipSealed: true
    steps:
      - id: join
        uses: kubeadm-join
        with:
          via: api
          refresh: false
          token: \${{ secrets.JOIN_TOKEN }}
          caCertHash: \${{ secrets.JOIN_CA_HASH }}
          controlPlane: false
`;

let t: TestLab;
let kubeconfig: string;
let api: KubeClient;
let caCertHash: string;
let joinGiven: string;
/** Everything the CLI printed or wrote in these tests, by channel. */
const channels: { name: string; text: string }[] = [];
/** Every kubeconfig these tests used (key material must show nowhere). */
const kubeconfigs: string[] = [];
let junits = 0;

function junitArgs(): string[] {
  return ['--junit', join(t.work, `junit-${++junits}.xml`)];
}

function keep<R extends { stdout: string; stderr: string }>(name: string, r: R): R {
  channels.push({ name: `${name} stdout`, text: r.stdout }, { name: `${name} stderr`, text: r.stderr });
  return r;
}

beforeAll(async () => {
  const built = await newLab({ workers: 1 });
  const run = keep('cluster.yaml --json', await runCli(['run', playbook('cluster'), '-i', built.lab.inventoryFile, '--json', '--junit', join(built.work, 'junit-0.xml')], { cwd: built.work, timeoutMs: 120_000 }));
  if (run.code !== 0) throw new Error(`cluster.yaml failed:\n${run.stdout.slice(-3000)}\n${run.stderr}`);
  t = await restartLab(built, { workers: 2 });
  kubeconfig = join(t.lab.dir, 'lab.kubeconfig');
  kubeconfigs.push(readFileSync(kubeconfig, 'utf8'));
  const parsed = parseKubeconfig(readFileSync(kubeconfig, 'utf8'), kubeconfig);
  api = connectKube(parsed);
  caCertHash = parsed.caCertHash!;
  joinGiven = join(t.work, 'join-given.yaml');
  writeFileSync(joinGiven, JOIN_GIVEN);
}, 180_000);

/** Nothing a join or a policy change would leave on worker-2. */
function untouched(): void {
  const changing = actions(t.lab, 'worker-2').filter((a) => ['kubeadm', 'podsec-create-policy', 'podsec-u7s-kubeadm'].includes(a.argv[0]!) || (a.argv[0] === 'systemctl' && !/^is-/.test(a.argv[1] ?? '')));
  expect(changing, 'changes on worker-2').toEqual([]);
  const kube = nodeFile(t.lab, 'worker-2', '/etc/kubernetes');
  expect(existsSync(kube) ? readdirSync(kube) : []).toEqual([]);
  expect(existsSync(nodeFile(t.lab, 'worker-2', '/var/lib/podsec-play/kubeadm-join.started'))).toBe(false);
  expect(readFileSync(nodeFile(t.lab, 'worker-2', '/etc/hosts'), 'utf8')).not.toMatch(/registry\.local/);
}

async function joinWith(token: string, hash: string) {
  const r = await runCli(['run', joinGiven, '-i', t.lab.inventoryFile, '--plain', '--fresh', ...junitArgs()], {
    cwd: t.work,
    timeoutMs: 60_000,
    env: { PODSEC_SECRET_JOIN_TOKEN: token, PODSEC_SECRET_JOIN_CA_HASH: hash },
  });
  return keep('join-given', r);
}

describe('join material is checked through the API before the new node changes', () => {
  it('refuses a deleted bootstrap token', async () => {
    const made = await api.createBootstrapToken(10 * 60_000, 'test: deleted');
    expect(await api.deleteBootstrapToken(made.id)).toBe(true);
    const r = await joinWith(made.token, caCertHash);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toContain(`bootstrap token ${made.id} is not valid at ${t.lab.subnet}.1:6443 (expired or deleted)`);
    expect(r.stdout + r.stderr).toContain('Nothing was changed on worker-2.');
    expect(r.stdout + r.stderr).not.toContain(made.token);
    untouched();
  }, 90_000);

  it('refuses an expired bootstrap token', async () => {
    const made = await api.createBootstrapToken(10 * 60_000, 'test: expired');
    advanceClock(t.lab.dir, 11 * 60_000);
    const r = await joinWith(made.token, caCertHash);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toContain(`bootstrap token ${made.id} is not valid at ${t.lab.subnet}.1:6443 (expired or deleted)`);
    expect(r.stdout + r.stderr).not.toContain(made.token);
    untouched();
  }, 90_000);

  it('refuses a CA hash that is not the cluster CA', async () => {
    const made = await api.createBootstrapToken(10 * 60_000, 'test: wrong CA');
    const wrong = `sha256:${'0'.repeat(64)}`;
    const r = await joinWith(made.token, wrong);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/the CA hash given for the join does not match the CA the API at \S+ serves: it is another cluster's, or someone is in between\. Nothing was changed on worker-2\./);
    untouched();
    await api.deleteBootstrapToken(made.id);
  }, 90_000);

  it.each([
    ['another cluster (its server)', (text: string) => text.replace(/server: https:\/\/\S+/, 'server: https://127.0.0.1:6443'), /the kubeconfig \S+ is for https:\/\/127\.0\.0\.1:6443, but cluster lab's control-plane endpoint is \S+: it belongs to another cluster/],
    ['another cluster (this server, another CA)', undefined, /the kubeconfig \S+ is not cluster lab's: its CA is not the CA the API at \S+ serves\. Nothing was changed on worker-2\./],
  ])('refuses a kubeconfig of %s before add-worker changes the new node', async (_name, edit, message) => {
    const foreign = join(t.work, `foreign-${edit ? 'server' : 'ca'}.kubeconfig`);
    const text = edit ? edit(readFileSync(kubeconfig, 'utf8')) : await otherClusterKubeconfig(readFileSync(kubeconfig, 'utf8'));
    kubeconfigs.push(text);
    writeFileSync(foreign, text, { mode: 0o600 });
    const r = keep('add-worker', await runCli(['run', playbook('add-worker'), '-i', t.lab.inventoryFile, '--kubeconfig', foreign, '--json', '--fresh', ...junitArgs()], { cwd: t.work, timeoutMs: 60_000 }));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(message);
    expect(r.stdout).toMatch(/"type":"step.failed","phase":"material","host":"worker-2","step":"material"/);
    untouched();
  }, 90_000);
});

describe('the kubeconfig is a secret', () => {
  it('shows nowhere: stdout, stderr, --json events, log files, JUnit, status, the journal\'s error fields', async () => {
    for (const args of [['status'], ['status', '--json']]) keep(args.join(' '), await runCli(args, { cwd: t.work }));
    // state and logs live beside the inventory (and, for older layouts, under the working directory)
    const stateDirs = [join(t.lab.dir, '.podsec-play'), join(t.work, '.podsec-play')].filter((d) => existsSync(d));
    expect(stateDirs.length).toBeGreaterThan(0);
    for (const state of stateDirs) {
      const logs = join(state, 'logs');
      if (existsSync(logs)) for (const f of readdirSync(logs)) channels.push({ name: `log ${f}`, text: readFileSync(join(logs, f), 'utf8') });
    }
    for (const f of readdirSync(t.work).filter((f) => f.startsWith('junit-'))) channels.push({ name: f, text: readFileSync(join(t.work, f), 'utf8') });
    for (const [state, f] of stateDirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.state.json')).map((f) => [d, f] as const))) {
      // The journal keeps the kubeconfig itself as a secret output (0600, for `podsec-play
      // kubeconfig`); everything else in it — errors above all — must not carry it.
      const lines = readFileSync(join(state, f), 'utf8').split('\n').filter(Boolean);
      const withoutOutputs = lines.map((l) => l.replace(/"kubeconfig":"[A-Za-z0-9+/=]+"/g, '"kubeconfig":"<kept>"'));
      channels.push({ name: `state ${f}`, text: withoutOutputs.join('\n') });
      if (f.startsWith('cluster.')) expect(lines.join('\n'), `${f} keeps the kubeconfig for podsec-play kubeconfig`).toContain(Buffer.from(kubeconfigs[0]!).toString('base64'));
    }
    expect(channels.filter((c) => c.name.startsWith('log ')).length).toBeGreaterThan(3);
    expect(junits).toBeGreaterThan(3);
    const material = kubeconfigs.flatMap(keyMaterial);
    expect(material.length).toBeGreaterThan(20);
    expect(material.filter((m) => kubeconfigs[0]!.includes(m)).length, 'the search finds a leak where there is one').toBeGreaterThan(1);
    const leaks = channels.flatMap((c) => material.filter((m) => c.text.includes(m)).map((m) => `${c.name}: ${m.slice(0, 24)}…`));
    expect(leaks).toEqual([]);
  });
});

/** A kubeconfig's credentials in every encoding a channel might carry them: the base64 of the
 * kubeconfig fields, the PEM body (whole and line by line), the DER as hex and base64url. */
function keyMaterial(text: string): string[] {
  const doc = parse(text) as { users: { user: Record<string, string> }[] };
  const user = doc.users[0]!.user;
  const out: string[] = [];
  for (const field of ['client-key-data', 'client-certificate-data']) {
    const b64 = user[field]!;
    const pem = Buffer.from(b64, 'base64').toString('utf8');
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    const der = Buffer.from(body.join(''), 'base64');
    out.push(b64, body.join(''), ...body.filter((l) => l.length >= 16), der.toString('hex'), der.toString('base64url'));
  }
  return out;
}

/** This kubeconfig with its CA and client certificate replaced by another cluster's (a real CA
 * of its own, as a rebuilt cluster would have). */
async function otherClusterKubeconfig(text: string): Promise<string> {
  const pki = await import('../../lab/standins/lib/pki.mjs');
  const ca = await pki.makeCa();
  const admin = await pki.issueCert(ca, { cn: 'kubernetes-admin', o: ['system:masters'], client: true });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return text
    .replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${b64(ca.cert)}`)
    .replace(/client-certificate-data: \S+/, `client-certificate-data: ${b64(admin.cert)}`)
    .replace(/client-key-data: \S+/, `client-key-data: ${b64(admin.key)}`);
}

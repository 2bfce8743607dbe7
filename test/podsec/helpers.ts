// Shared readers for the podsec end-to-end tests: labs started in this process and stopped by
// afterAll, every node's actions.log, the simulated cluster's Ready state (asked of the kubectl
// stand-in on the master without SSH, which may be off), seals, ports and the run's journal.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { readJournal } from '../../engine/journal/journal.js';
import type { JournalState } from '../../engine/journal/types.js';
import { readClockOffset } from '../../lab/clock.js';
import { startLab, type RunningLab, type StartLabOptions } from '../../lab/index.js';
import { probeTcp, type ProbeResult } from '../../steps/lib/tcp-probe.js';
import { workdir } from '../helpers/workdir.js';

export const playbook = (name: string): string => fileURLToPath(new URL(`../../playbooks/${name}.yaml`, import.meta.url));
export const exampleInventory = (name: string): string => fileURLToPath(new URL(`../../playbooks/examples/${name}.inventory.yaml`, import.meta.url));

/** The shipped playbooks must run on a lab with nothing but `-i DIR/inventory.yaml`: no secret
 * may come from this process's environment. */
export function scrubSecretEnv(): void {
  for (const key of Object.keys(process.env)) {
    if (/^PODSEC_SECRET_/.test(key) || ['IMAGEMAKER_PASSWORD', 'GPG_PASSPHRASE', 'VRRP_PASSWORD'].includes(key)) delete process.env[key];
  }
}

const labs: RunningLab[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const lab of labs) await lab.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export interface TestLab {
  /** The working directory runs start in (their .podsec-play/ lives here). */
  work: string;
  lab: RunningLab;
}

/** A lab under a fresh working directory; stopped and removed after the file's tests. */
export async function newLab(counts: Omit<StartLabOptions, 'dir'>, prefix = 'podsec-e2e-'): Promise<TestLab> {
  const work = workdir(prefix);
  dirs.push(work);
  const lab = await startLab({ readyDelayMs: 200, ...counts, dir: join(work, 'lab') });
  labs.push(lab);
  return { work, lab };
}

/** Stop a lab and start it again on the same DIR (a reboot; larger counts add nodes). */
export async function restartLab(t: TestLab, counts: Omit<StartLabOptions, 'dir'>): Promise<TestLab> {
  await t.lab.stop();
  const lab = await startLab({ readyDelayMs: 200, ...counts, dir: t.lab.dir });
  labs.push(lab);
  return { work: t.work, lab };
}

// ---- actions.log ----

export interface Action {
  node: string;
  /** When the program started (ISO). */
  time: string;
  /** Lab time when the line was written, i.e. when the program ended. */
  labTime: string;
  argv: string[];
  exit: number;
  event?: string;
  signal?: string;
  [key: string]: unknown;
}

export function actions(lab: RunningLab, node: string): Action[] {
  const file = join(lab.dir, 'nodes', node, 'actions.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ ...(JSON.parse(l) as Omit<Action, 'node'>), node }) as Action);
}

/** Every node's lines, ordered by start time (ties: node order, then log order). */
export function allActions(lab: RunningLab): Action[] {
  return lab.nodes.flatMap((n) => actions(lab, n.name)).sort((a, b) => ms(a.time) - ms(b.time));
}

export const ms = (iso: string): number => Date.parse(iso);

/** Real end time of a line, given the lab clock offset that was in force (0 unless moved). */
export const endedAt = (a: Action, offsetMs = 0): number => ms(a.labTime) - offsetMs;

/** The podsec wrapper's `kubeadm init` (not `init phase …`). */
export const isInit = (a: Action): boolean => a.argv[0] === 'kubeadm' && a.argv[1] === 'init' && a.argv[2] !== 'phase';
export const isJoin = (a: Action): boolean => a.argv[0] === 'kubeadm' && a.argv[1] === 'join';
export const isUploadCerts = (a: Action): boolean => a.argv.slice(0, 4).join(' ') === 'kubeadm init phase upload-certs';
export const isCreatePolicy = (a: Action): boolean => a.argv[0] === 'podsec-create-policy';
export const isSshdDisable = (a: Action): boolean => a.argv.join(' ') === 'systemctl disable --now sshd';
export const touchesSshd = (a: Action): boolean => a.argv[0] === 'systemctl' && a.argv.some((w) => /^(sshd?|ssh\.service|sshd\.service|ssh\.socket|sshd\.socket)$/.test(w));

/**
 * What podsec's real scripts allow, checked on a finished run (alt-cloud/podsec 5014172): the
 * kubeadm wrapper only ever got `init` or `join` (no garbled arguments), each with the cluster's
 * U7S_KUBEVERSION and U7S_PLATFORM; join material came from the native kubeadm on the host; every
 * node in `joined` had podsec-create-policy and marks registry.local insecure.
 */
export function expectFaithfulPodsecUse(lab: RunningLab, joined: string[], cluster = { kubeVersion: 'v1.28.3', registry: 'registry.local', platform: 'p10' }): void {
  const wrapperRuns = lab.nodes.flatMap((n) => actions(lab, n.name)).filter((a) => a.program === 'podsec-u7s-kubeadm');
  expect(wrapperRuns.length).toBeGreaterThan(0);
  for (const a of wrapperRuns) {
    expect({ node: a.node, cmd: a.cmd, garbled: a.garbled }).toEqual({ node: a.node, cmd: expect.stringMatching(/^(init|join)$/), garbled: undefined });
    expect(a.u7s, `${a.node}: ${a.argv.join(' ')}`).toMatchObject(cluster);
    expect((a.u7s as { given: string[] }).given).toEqual(expect.arrayContaining(['U7S_KUBEVERSION', 'U7S_PLATFORM']));
  }
  const minted = lab.nodes.flatMap((n) => actions(lab, n.name)).filter((a) => a.event === 'token-created' || a.event === 'certs-uploaded');
  for (const a of minted) expect({ program: a.program, namespace: a.namespace, user: a.user }).toEqual({ program: 'kubeadm', namespace: undefined, user: 'root' });
  for (const node of joined) {
    expect(actions(lab, node).some((a) => isCreatePolicy(a) && a.exit === 0), `${node}: podsec-create-policy`).toBe(true);
    expect(readFileSync(nodeFile(lab, node, '/etc/containers/registries.conf'), 'utf8'), node).toMatch(/\[\[registry\]\]\nlocation = "registry.local"\ninsecure = true/);
  }
}

/**
 * A once-only program on one node: exactly one run that succeeded, and none at all after it
 * (the podsec wrapper wipes /etc/kubernetes on every init/join it starts; create-policy exits 1
 * on a second run). Earlier runs may only be attempts that were killed or failed.
 */
export function onceOnly(lines: Action[], what: string): Action {
  const ok = lines.filter((a) => a.exit === 0);
  if (ok.length !== 1) throw new Error(`${what}: ${ok.length} successful runs (expected exactly 1): ${JSON.stringify(lines)}`);
  const after = lines.filter((a) => ms(a.time) > ms(ok[0]!.time));
  if (after.length > 0) throw new Error(`${what}: run again after it succeeded: ${JSON.stringify(after)}`);
  return ok[0]!;
}

// ---- the simulated cluster ----

interface NodeItem {
  metadata: { name: string };
  status: { conditions: { type: string; status: string }[] };
}

/** `kubectl get nodes -o json` on a node, run by the lab's kubectl stand-in the way the lab
 * runs commands (node env, node cwd) but without SSH: it reads the cluster state from disk. */
export function kubectlOn(lab: RunningLab, node: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = join(lab.dir, 'nodes', node);
  const bin = join(lab.dir, 'bin');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(bin, 'kubectl'), ...args],
      {
        cwd: root,
        env: {
          PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
          HOME: join(root, 'root'),
          TMPDIR: join(root, 'tmp'),
          LAB_DIR: lab.dir,
          LAB_NODE: node,
          LAB_NODE_ROOT: root,
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Node name → Ready, as the master's kubectl reports it. */
export async function nodeReadiness(lab: RunningLab, master = 'cp-1'): Promise<Record<string, boolean>> {
  const r = await kubectlOn(lab, master, ['get', 'nodes', '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl get nodes on ${master} failed: ${r.stderr}`);
  const list = JSON.parse(r.stdout) as { items: NodeItem[] };
  return Object.fromEntries(list.items.map((i) => [i.metadata.name, i.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')]));
}

export interface ClusterFile {
  id: string | null;
  /** The cluster CA made at init (PEM). */
  ca: { cert: string; key: string } | null;
  nodes: Record<string, { controlPlane: boolean; joinedAt: number }>;
  cni: { appliedAt: number } | null;
  certificateKey: { key: string; expires: number } | null;
}

export function clusterState(lab: RunningLab): ClusterFile {
  return JSON.parse(readFileSync(join(lab.dir, 'cluster.json'), 'utf8')) as ClusterFile;
}

/** Lab time at which the last node became Ready: max over nodes of max(join, CNI) + delay. */
export function allReadyAt(lab: RunningLab): number {
  const c = clusterState(lab);
  if (!c.cni) throw new Error('no CNI applied');
  const delay = (JSON.parse(readFileSync(join(lab.dir, 'lab.json'), 'utf8')) as { readyDelayMs: number }).readyDelayMs;
  return Math.max(...Object.values(c.nodes).map((n) => Math.max(n.joinedAt, c.cni!.appliedAt) + delay));
}

export const clockOffset = (lab: RunningLab): number => readClockOffset(lab.dir);

// ---- nodes: files, sshd, ports ----

export const nodeFile = (lab: RunningLab, node: string, path: string): string => join(lab.dir, 'nodes', node, path.replace(/^\//, ''));

/** The image-policy set copy-policy must reproduce: policy.json, registries.d, every key. */
export function policyFiles(lab: RunningLab, master = 'cp-1'): string[] {
  const keys = readdirSync(nodeFile(lab, master, '/var/sigstore/keys')).filter((k) => k.endsWith('.pgp'));
  if (keys.length === 0) throw new Error(`${master} has no /var/sigstore/keys/*.pgp`);
  return ['/etc/containers/policy.json', '/etc/containers/registries.d/default.yaml', ...keys.map((k) => `/var/sigstore/keys/${k}`)];
}

export const mtimeMs = (file: string): number => statSync(file).mtimeMs;

export function sshdUnit(lab: RunningLab, node: string): { enabled: boolean; active: boolean } {
  return JSON.parse(readFileSync(nodeFile(lab, node, '/var/lib/lab/systemd/sshd.json'), 'utf8')) as { enabled: boolean; active: boolean };
}

export async function ports(lab: RunningLab): Promise<Record<string, ProbeResult>> {
  const entries = await Promise.all(lab.nodes.map(async (n) => [n.name, await probeTcp('127.0.0.1', n.port, 2000)] as const));
  return Object.fromEntries(entries);
}

export const every = <T>(names: string[], value: T): Record<string, T> => Object.fromEntries(names.map((n) => [n, value]));

// ---- the run ----

export function journal(stateFile: string): JournalState {
  return readJournal(stateFile);
}

export type StepEvent = Extract<PlayEvent, { step: string }>;

export function stepEvents(events: PlayEvent[], type: PlayEvent['type'], host?: string, step?: string): StepEvent[] {
  return events.filter((e): e is StepEvent => e.type === type && 'step' in e && (host === undefined || e.host === host) && (step === undefined || e.step === step));
}

export function stepEvent(events: PlayEvent[], type: PlayEvent['type'], host: string, step: string): StepEvent {
  const e = stepEvents(events, type, host, step)[0];
  if (!e) throw new Error(`no ${type} for ${host}/${step}`);
  return e;
}

/** Resolves true once `ready()` holds for the file (polled: the writer is a program on a lab
 * node, another process), false when `until` settles first. */
export function waitForFile(file: string, until: Promise<unknown>, ready: () => boolean = () => existsSync(file), intervalMs = 3): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (found: boolean): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      resolve(found);
    };
    const timer = setInterval(() => {
      if (ready()) finish(true);
    }, intervalMs);
    void until.then(
      () => finish(ready()),
      () => finish(ready()),
    );
  });
}

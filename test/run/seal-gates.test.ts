// What the engine guarantees about sealing, whatever the sealing kind does (issue 10, item 2 and
// the kubeconfig gate): a phase that seals runs one host at a time in the kind's order and stops
// at the first failed seal, saying which hosts are sealed and which are not; a seal is recorded
// only with the journal's record that the command was sent; no host is sealed before a step of
// a `beforeSeal` kind (the kubeconfig fetch) has succeeded, and validation refuses a playbook
// that seals before one. Real journal, planner and runner; fake kinds, local hosts.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, PlayError } from '../../engine/errors.js';
import { EventBus } from '../../engine/events/bus.js';
import type { PlayEvent } from '../../engine/events/types.js';
import { Journal } from '../../engine/journal/journal.js';
import { SealRegistry } from '../../engine/journal/seal-registry.js';
import { loadInputs } from '../../engine/load/index.js';
import { planRun } from '../../engine/plan/planner.js';
import { executePlan } from '../../engine/run/runner.js';
import { Masker } from '../../engine/secrets/masker.js';
import type { StepKind } from '../../engine/step-kind.js';
import { TransportPool } from '../../engine/transport/pool.js';
import { disableSshStep } from '../../steps/disable-ssh.js';
import { fetchKubeconfigStep } from '../../steps/fetch-kubeconfig.js';
import { stepKinds } from '../../steps/index.js';
import { shellStep } from '../../steps/shell.js';
import { workdir } from '../helpers/workdir.js';

interface Fakes {
  sealed: string[];
  failOn: Set<string>;
  /** Report sealed without writing the command ahead (a buggy kind). */
  skipLedger: boolean;
}

function kinds(f: Fakes): StepKind[] {
  const seal: StepKind = {
    kind: 'fake-seal',
    description: 'seals (fake)',
    schema: { type: 'object' },
    sealsHost: true,
    sealOrder: (h) => (h.roles.includes('master') ? 2 : 0),
    async run(ctx) {
      f.sealed.push(ctx.host.name);
      if (f.failOn.has(ctx.host.name)) throw new PlayError(`${ctx.host.name}: the port still accepts connections`, { code: 'E_STEP', host: ctx.host.name });
      if (!f.skipLedger) ctx.seal.recordCommandSent();
      return { sealed: 'true', at: new Date().toISOString() };
    },
  };
  const kubeconfig: StepKind = { kind: 'fake-kubeconfig', description: 'the way in (fake)', schema: { type: 'object' }, beforeSeal: true, run: async () => ({}) };
  return [shellStep as unknown as StepKind, seal, kubeconfig];
}

const INVENTORY = `cluster: { name: c }
hosts:
  - { name: m1, address: 127.0.0.1, transport: local, roles: [master] }
  - { name: w1, address: 127.0.0.1, transport: local, roles: [worker] }
  - { name: w2, address: 127.0.0.1, transport: local, roles: [worker] }
  - { name: w3, address: 127.0.0.1, transport: local, roles: [worker] }
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function runPlaybook(playbookText: string, f: Fakes): Promise<{ outcome: string; events: PlayEvent[]; journal: Journal }> {
  const dir = workdir('podsec-play-seal-gates-');
  dirs.push(dir);
  writeFileSync(join(dir, 'inventory.yaml'), INVENTORY);
  writeFileSync(join(dir, 'playbook.yaml'), playbookText);
  const masker = new Masker();
  const ks = kinds(f);
  const findKind = (k: string) => ks.find((x) => x.kind === k);
  const loaded = loadInputs({ playbookFile: join(dir, 'playbook.yaml'), inventoryFile: join(dir, 'inventory.yaml'), env: {}, masker, kinds: ks });
  const plan = planRun(loaded.playbook, loaded.inventory!, {
    titleOf: () => undefined,
    sealOrder: (uses, host) => (findKind(uses)?.sealsHost ? (findKind(uses)!.sealOrder?.(host) ?? 0) : undefined),
  });
  const journal = Journal.open({ file: join(dir, 'state.json'), plan, runId: 'run-1', fresh: false });
  const bus = new EventBus('run-1', masker);
  const events: PlayEvent[] = [];
  bus.subscribe((e) => events.push(e));
  // Local hosts: the preflight gathers facts from them for real (the seal-only hosts are skipped).
  const pool = new TransportPool(
    {
      inventory: loaded.inventory!,
      secrets: loaded.secrets!,
      seals: new SealRegistry(dir),
      acceptNewHostKeys: false,
      openSsh: () => {
        throw new Error('no SSH in this test');
      },
    },
    dir,
  );
  try {
    const outcome = await executePlan({
      plan,
      playbook: loaded.playbook,
      inventory: loaded.inventory!,
      secrets: loaded.secrets!,
      masker,
      journal,
      seals: new SealRegistry(dir),
      bus,
      pool,
      keepSsh: false,
      kubeconfigFile: join(dir, 'c.kubeconfig'),
      signal: new AbortController().signal,
      findKind,
    });
    return { outcome, events, journal };
  } finally {
    await pool.closeAll();
    journal.close();
  }
}

const SEAL_ALL = `name: p
phases:
  - name: seal
    hosts: all
    steps:
      - { id: seal, uses: fake-seal }
`;

describe('sealing, as the engine runs it', () => {
  it('one host at a time, the master last; the first failed seal stops the rest and the failure says where the cluster stands', async () => {
    const f: Fakes = { sealed: [], failOn: new Set(['w2']), skipLedger: false };
    const { outcome, events, journal } = await runPlaybook(SEAL_ALL, f);
    expect(outcome).toBe('failed');
    expect(f.sealed).toEqual(['w1', 'w2']); // w3 and m1 never started
    expect(Object.keys(journal.state.sealed)).toEqual(['w1']);
    const failed = events.find((e) => e.type === 'step.failed');
    expect(failed && 'error' in failed ? failed.error.message : '').toMatch(
      /w2: the port still accepts connections Sealed \(SSH off\): w1\. Not sealed \(SSH still on\): w2, w3, m1\. The remaining hosts were not touched: fix the cause and run the same command again/,
    );
    const summary = events.find((e) => e.type === 'run.failed');
    expect(summary && 'failures' in summary ? summary.failures[0]!.message : '').toContain('Not sealed (SSH still on): w2, w3, m1');
  });

  it('a seal the kind reports without the journaled command is not recorded', async () => {
    const f: Fakes = { sealed: [], failOn: new Set(), skipLedger: true };
    const { outcome, events, journal } = await runPlaybook(SEAL_ALL, f);
    expect(outcome).toBe('failed');
    expect(journal.state.sealed).toEqual({});
    expect(f.sealed).toEqual(['w1']);
    const failed = events.find((e) => e.type === 'step.failed');
    expect(failed && 'error' in failed ? failed.error.message : '').toMatch(/w1: not recorded as sealed: the journal has no record that the seal command was sent to it/);
  });

  it('no host is sealed before the beforeSeal step (the kubeconfig) has succeeded: skipped by when: is not enough', async () => {
    const f: Fakes = { sealed: [], failOn: new Set(), skipLedger: false };
    const { outcome, events } = await runPlaybook(
      `name: p
phases:
  - name: kubeconfig
    hosts: [master]
    steps:
      - { id: fetch, uses: fake-kubeconfig, when: false }
  - name: seal
    hosts: all
    steps:
      - { id: seal, uses: fake-seal }
`,
      f,
    );
    expect(outcome).toBe('failed');
    expect(f.sealed).toEqual([]);
    const failed = events.find((e) => e.type === 'step.failed');
    expect(failed && 'error' in failed ? failed.error.message : '').toMatch(/not sealing w1: kubeconfig\/m1\/fetch has not succeeded/);
  });

  it('validation refuses a playbook that seals in the same phase as, or before, a beforeSeal step, at the seal step', () => {
    const dir = workdir('podsec-play-seal-gates-');
    dirs.push(dir);
    writeFileSync(join(dir, 'inventory.yaml'), INVENTORY);
    const file = join(dir, 'playbook.yaml');
    writeFileSync(
      file,
      `name: p
phases:
  - name: seal
    hosts: all
    steps:
      - { id: seal, uses: fake-seal }
  - name: kubeconfig
    hosts: [master]
    steps:
      - { id: fetch, uses: fake-kubeconfig }
`,
    );
    const f: Fakes = { sealed: [], failOn: new Set(), skipLedger: false };
    let err: unknown;
    try {
      loadInputs({ playbookFile: file, inventoryFile: join(dir, 'inventory.yaml'), env: {}, masker: new Masker(), kinds: kinds(f) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      `${file}:6:27: "seal" turns SSH off in phase seal, but "fetch" (fake-kubeconfig, phase kubeconfig) must have succeeded before any host is sealed: move the seal to a later phase`,
    );
  });

  it('the shipped kinds: fetch-kubeconfig is the gate, so a playbook turning SSH off before it is refused at validation', () => {
    expect(fetchKubeconfigStep.beforeSeal).toBe(true);
    expect(disableSshStep.sealsHost).toBe(true);
    const dir = workdir('podsec-play-seal-gates-');
    dirs.push(dir);
    writeFileSync(join(dir, 'inventory.yaml'), INVENTORY);
    const file = join(dir, 'playbook.yaml');
    writeFileSync(
      file,
      `name: p
phases:
  - name: seal
    hosts: all
    steps:
      - { id: seal, uses: disable-ssh }
      - { id: kubeconfig, uses: fetch-kubeconfig }
`,
    );
    let err: unknown;
    try {
      loadInputs({ playbookFile: file, inventoryFile: join(dir, 'inventory.yaml'), env: {}, masker: new Masker(), kinds: stepKinds as unknown as StepKind[] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      `${file}:6:27: "seal" turns SSH off in phase seal, but "kubeconfig" (fetch-kubeconfig, phase seal) must have succeeded before any host is sealed: move the seal to a later phase`,
    );
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SealRecord } from '../../engine/journal/types.js';
import { loadInputs } from '../../engine/load/index.js';
import { planRun } from '../../engine/plan/planner.js';
import { describeRefusals, sealedRefusals } from '../../engine/plan/sealed-refusals.js';
import { Masker } from '../../engine/secrets/masker.js';
import { findStepKind, stepKinds } from '../../steps/index.js';

const dir = mkdtempSync(join(tmpdir(), 'podsec-play-sealed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INVENTORY = `cluster: { name: c }
hosts:
  - { name: m1, address: 10.0.0.1, roles: [master] }
  - { name: w1, address: 10.0.0.2, roles: [worker] }
  - { name: w2, address: 10.0.0.3, roles: [worker] }
`;

function planned(pb: string) {
  const p = join(dir, `pb-${Math.random()}.yaml`);
  const i = join(dir, 'inv.yaml');
  writeFileSync(p, pb);
  writeFileSync(i, INVENTORY);
  const loaded = loadInputs({ playbookFile: p, inventoryFile: i, env: {}, masker: new Masker(), kinds: stepKinds });
  const inventory = loaded.inventory!;
  return { plan: planRun(loaded.playbook, inventory, { titleOf: () => undefined }), inventory };
}

const seal = (host: string): SealRecord => ({ host, address: '', port: 22, runId: 'r1', at: '2026-01-01T00:00:00Z' });
const sealedSet = (...names: string[]) => (h: { name: string }) => (names.includes(h.name) ? seal(h.name) : undefined);

describe('steps that need SSH on a sealed host are refused before the run', () => {
  it('refuses a step on a sealed host, naming the step, the host, the seal and the way instead', () => {
    const { plan, inventory } = planned(`name: p
phases:
  - name: one
    hosts: [worker]
    steps:
      - { id: hello, uses: shell, with: { run: "true" } }
      - { id: again, uses: shell, with: { run: "true" } }
`);
    const r = sealedRefusals({ plan, inventory, sealOf: sealedSet('w1'), findKind: findStepKind, hint: 'Use the API.' });
    expect(r.map((x) => [x.key, x.sealedHost])).toEqual([
      ['one/w1/hello', 'w1'],
      ['one/w1/again', 'w1'],
    ]);
    expect(r[0]!.message).toMatch(/pb-[\d.]+\.yaml:\d+:\d+: step "hello" \(shell\) on w1 needs SSH on w1\. SSH on w1 \(10\.0\.0\.2:22\) was turned off by run r1 at 2026-01-01T00:00:00Z \(disable-ssh\): the host is reached only through the Kubernetes API now, and a re-run cannot change that\. Use the API\.$/);
    const text = describeRefusals(r);
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toContain('(1 more step needs SSH on w1)');
  });

  it('refuses a step that reaches a sealed master for a host that is not sealed', () => {
    const { plan, inventory } = planned(`name: p
phases:
  - name: join
    hosts: [worker]
    steps:
      - { id: material, uses: join-material }
`);
    const r = sealedRefusals({ plan, inventory, sealOf: sealedSet('m1'), findKind: findStepKind });
    expect(r.map((x) => [x.key, x.sealedHost])).toEqual([
      ['join/w1/material', 'm1'],
      ['join/w2/material', 'm1'],
    ]);
    expect(r[0]!.message).toContain('needs SSH on m1 (it reaches m1 for w1)');
    expect(describeRefusals(r)).toContain('(1 more step needs SSH on m1)');
  });

  it('lets through: API-only steps, optional-SSH steps, skipSealed phases, finished steps, steps with when:', () => {
    const { plan, inventory } = planned(`name: p
phases:
  - name: api
    hosts: [worker]
    steps:
      - { id: ready, uses: wait-nodes-ready, with: { via: api } }
      - { id: drain, uses: drain-node }
      - { id: reset, uses: node-reset }
      - { id: join, uses: kubeadm-join, with: { via: api } }
  - name: left-out
    hosts: [worker]
    skipSealed: true
    steps:
      - { id: hello, uses: shell, with: { run: "true" } }
  - name: done
    hosts: [worker]
    steps:
      - { id: finished, uses: shell, with: { run: "true" } }
      - { id: maybe, uses: shell, with: { run: "true" }, when: "\${{ vars.x }}" }
vars: { x: false }
`);
    const r = sealedRefusals({ plan, inventory, sealOf: sealedSet('m1', 'w1', 'w2'), findKind: findStepKind, finished: (k) => k.endsWith('/finished') });
    // kubeadm-join via api still needs SSH on its own (new) host, never on the master
    expect(r.map((x) => [x.key, x.sealedHost])).toEqual([
      ['api/w1/join', 'w1'],
      ['api/w2/join', 'w2'],
    ]);
  });

  it('a plan without sealed hosts, or with skipSealed left out, keeps its hash', () => {
    const pb = `name: p
phases:
  - name: one
    hosts: [worker]
    steps:
      - { id: hello, uses: shell, with: { run: "true" } }
`;
    const a = planned(pb).plan;
    expect(planned(pb.replace('    hosts: [worker]\n', '    hosts: [worker]\n    skipSealed: false\n')).plan.hash).toBe(a.hash);
    expect(planned(pb.replace('    hosts: [worker]\n', '    hosts: [worker]\n    skipSealed: true\n')).plan.hash).not.toBe(a.hash);
    expect(sealedRefusals({ plan: a, inventory: planned(pb).inventory, sealOf: () => undefined, findKind: findStepKind })).toEqual([]);
  });
});

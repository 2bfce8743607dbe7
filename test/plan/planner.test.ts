import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInputs } from '../../engine/load/index.js';
import { stepKinds } from '../../steps/index.js';
import { planRun } from '../../engine/plan/planner.js';
import { Masker } from '../../engine/secrets/masker.js';

const dir = mkdtempSync(join(tmpdir(), 'podsec-play-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const inventory = (extra = '') => `cluster: { name: c }
hosts:
  - { name: m1, address: 127.0.0.1, roles: [master] }
  - { name: w1, address: 127.0.0.2, roles: [worker] }
  - { name: w2, address: 127.0.0.3, roles: [worker] }${extra}
`;
const playbook = `name: p
phases:
  - name: one
    hosts: [master]
    steps:
      - { id: a, uses: shell, with: { run: "true" } }
  - name: two
    hosts: [worker, m1]
    concurrency: 1
    steps:
      - { id: b, uses: shell, name: Second, with: { run: "echo b" } }
      - { id: c, uses: shell, with: { run: "echo c" } }
`;

function plan(pb: string, inv: string) {
  const p = join(dir, `pb-${Math.random()}.yaml`);
  const i = join(dir, `inv-${Math.random()}.yaml`);
  writeFileSync(p, pb);
  writeFileSync(i, inv);
  const loaded = loadInputs({ playbookFile: p, inventoryFile: i, env: {}, masker: new Masker(), kinds: stepKinds });
  return planRun(loaded.playbook, loaded.inventory!, { titleOf: () => undefined });
}

describe('planner', () => {
  it('titles show rendered values: vars, cluster and host fields filled in; outputs and secrets as written', () => {
    const pb = `name: titles
vars: { archive: /srv/images.tar }
phases:
  - name: one
    hosts: [worker]
    steps:
      - { id: named, uses: shell, name: "join \${{ host.name }} to \${{ cluster.name }}", with: { run: "true", outputs: { file: { regex: "(.*)" } } } }
      - { id: sign, uses: sign-images, with: { archive: "\${{ vars.archive }}", passphrase: "\${{ secrets.PASS }}" } }
      - { id: later, uses: fetch, with: { path: "\${{ steps.named.outputs.file }}" } }
`;
    const p = join(dir, 'titles.yaml');
    const i = join(dir, 'titles-inv.yaml');
    writeFileSync(p, pb);
    writeFileSync(i, inventory());
    const loaded = loadInputs({ playbookFile: p, inventoryFile: i, env: {}, masker: new Masker(), kinds: stepKinds, checkSecrets: false });
    const titled = planRun(loaded.playbook, loaded.inventory!, { titleOf: (uses, w) => stepKinds.find((k) => k.kind === uses)?.title?.(w) });
    const steps = titled.phases[0]!.hosts.map((h) => h.steps.map((s) => s.title));
    expect(steps).toEqual([
      ['join w1 to c', 'podsec-load-sign-oci /srv/images.tar', 'fetch ${{ steps.named.outputs.file }}'],
      ['join w2 to c', 'podsec-load-sign-oci /srv/images.tar', 'fetch ${{ steps.named.outputs.file }}'],
    ]);
  });

  it('orders phases, selects hosts in inventory order and keys every step', () => {
    const p = plan(playbook, inventory());
    expect(p.phases.map((ph) => ph.name)).toEqual(['one', 'two']);
    expect(p.phases[1]!.hosts.map((h) => h.name)).toEqual(['m1', 'w1', 'w2']);
    expect(p.phases[1]!.concurrency).toBe(1);
    expect(p.phases[1]!.hosts[1]!.steps.map((s) => s.key)).toEqual(['two/w1/b', 'two/w1/c']);
    expect(p.phases[1]!.hosts[0]!.steps[0]!.title).toBe('Second');
  });

  it('gives the same hash for the same inputs, whatever the key order or comments', () => {
    const a = plan(playbook, inventory());
    const b = plan(playbook.replace('name: p\n', '# a comment\nname: p\n'), inventory());
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes the hash when the playbook or the inventory changes', () => {
    const a = plan(playbook, inventory());
    expect(plan(playbook.replace('echo c', 'echo C'), inventory()).hash).not.toBe(a.hash);
    expect(plan(playbook, inventory('\n  - { name: w3, address: 127.0.0.4, roles: [worker] }')).hash).not.toBe(a.hash);
  });

  it('does not put secret values in the plan or its hash input', () => {
    const inv = inventory() + 'secrets: { PW: hunter2-secret }\n';
    const p = plan(playbook, inv);
    expect(JSON.stringify(p)).not.toContain('hunter2-secret');
    expect(plan(playbook, inventory() + 'secrets: { PW: other-secret }\n').hash).toBe(p.hash);
  });
});

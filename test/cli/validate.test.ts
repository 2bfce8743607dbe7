// `validate` catches what `run` would refuse, as a new user meets it: missing secrets (sudo
// passwords included) at the reference's FILE:LINE:COL, misspelt roles, hosts, step kinds and
// `with:` keys with a suggestion, and a playbook and inventory given the other way round.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { workdir, writePlaybook } from '../helpers/workdir.js';

const PLAYBOOK = `name: secrets
phases:
  - name: prepare
    hosts: [workers]
    steps:
      - id: login
        uses: shell
        with:
          run: echo \${{ secrets.DB_PASSWORD }} | wc -c
`;

const INVENTORY = `cluster: { name: c }
hosts:
  - name: w-1
    address: 127.0.0.1
    roles: [workers]
    user: admin
    sudo: true
    sudoPasswordSecret: SUDO_PW
  - { name: w-2, address: 127.0.0.2, roles: [other], sudoPasswordSecret: UNUSED_PW }
`;

/** An environment without any PODSEC_SECRET_* or the plain names this test uses. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^PODSEC_SECRET_/.test(k) && !['DB_PASSWORD', 'SUDO_PW', 'UNUSED_PW'].includes(k)) env[k] = v;
  return { ...env, ...extra };
}

describe('podsec-play validate PLAYBOOK -i INVENTORY', () => {
  it('reports every referenced secret that is not set, sudo passwords included, at FILE:LINE:COL, exit 2', async () => {
    const dir = workdir();
    const pb = writePlaybook(dir, PLAYBOOK);
    const inv = writePlaybook(dir, INVENTORY, 'inventory.yaml');
    const r = await runCli(['validate', pb, '-i', inv], { env: cleanEnv() });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain(
      `${pb}:9:21: cannot resolve \${{ secrets.DB_PASSWORD }}: secret "DB_PASSWORD" is not set (environment PODSEC_SECRET_DB_PASSWORD or DB_PASSWORD, the inventory's secretsFile, or its secrets:)`,
    );
    expect(lines).toContain(
      `${inv}:8:25: host w-1: sudo password: secret "SUDO_PW" is not set (environment PODSEC_SECRET_SUDO_PW or SUDO_PW, the inventory's secretsFile, or its secrets:)`,
    );
    // w-2 takes no part in this playbook: its secret is not needed.
    expect(r.stderr).not.toContain('UNUSED_PW');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('is satisfied by PODSEC_SECRET_* without printing a value, and --no-secrets skips the check', async () => {
    const dir = workdir();
    const pb = writePlaybook(dir, PLAYBOOK);
    const inv = writePlaybook(dir, INVENTORY, 'inventory.yaml');
    const set = await runCli(['validate', pb, '-i', inv], { env: cleanEnv({ PODSEC_SECRET_DB_PASSWORD: 'hunter2-db', PODSEC_SECRET_SUDO_PW: 'hunter2-sudo' }) });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout + set.stderr).not.toContain('hunter2');
    const skipped = await runCli(['validate', pb, '-i', inv, '--no-secrets'], { env: cleanEnv() });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain('valid (1 phases, 1 steps)');
  });

  it('suggests the name meant for a misspelt role, host, step kind and with: key — one error each', async () => {
    const dir = workdir();
    const pb = writePlaybook(
      dir,
      `name: typos
phases:
  - name: one
    hosts: [worker]
    steps:
      - { id: a, uses: shel, with: { run: "true" } }
  - name: two
    hosts: [w-l]
    steps:
      - { id: b, uses: shell, with: { runn: "true" } }
`,
    );
    const inv = writePlaybook(dir, INVENTORY, 'inventory.yaml');
    const r = await runCli(['validate', pb, '-i', inv, '--no-secrets']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => l.includes('"worker"'))).toEqual([
      expect.stringMatching(new RegExp(`${pb}:4:13: "worker" is neither a role nor a host in .* — did you mean "workers"\\?`)),
    ]);
    expect(lines.filter((l) => l.includes('"w-l"'))).toEqual([expect.stringMatching(/:8:13: "w-l" is neither a role nor a host .* — did you mean "w-1"\?/)]);
    expect(lines.filter((l) => l.includes('"shel"'))).toEqual([expect.stringMatching(/:6:24: unknown step kind "shel" — did you mean "shell"\? \(known: shell, /)]);
    expect(lines.filter((l) => l.includes('"runn"'))).toEqual([expect.stringMatching(/:10:39: with \(shell\): unknown key "runn" — did you mean "run"\? \(allowed: /)]);
  });

  it('recognises an inventory given as the playbook, and the reverse, and says so', async () => {
    const dir = workdir();
    const pb = writePlaybook(dir, PLAYBOOK);
    const inv = writePlaybook(dir, INVENTORY, 'inventory.yaml');
    const r = await runCli(['validate', inv, '-i', pb], { env: cleanEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${inv}:1:1: this is an inventory (it has hosts: and no phases:), not a playbook: give the playbook first and the inventory with -i`);
    expect(r.stderr).toContain(`${pb}:1:1: this is a playbook (it has phases: and no hosts:), not an inventory: give the playbook first and the inventory with -i`);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('says what a duration looks like, for the playbook’s own durations and a kind’s', async () => {
    const dir = workdir();
    const pb = writePlaybook(
      dir,
      'name: d\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - { id: a, uses: shell, with: { run: "true" }, timeout: 5 minutes }\n      - { id: b, uses: wait-nodes-ready, with: { timeout: 3 hours } }\n',
    );
    const r = await runCli(['validate', pb]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${pb}:6:63: "phases.0.steps.0.timeout" must be a number of seconds or a duration such as 500ms, 30s, 5m, 2h or 1d`);
    expect(r.stderr).toContain(`${pb}:7:59: with (wait-nodes-ready): "timeout" must be a duration such as 500ms, 30s, 5m, 2h or 1d`);
  });
});

// `podsec-play preflight` as a command, against this machine (local transport): usage, the
// table and --json, facts usable by the playbook, exit codes, the script it would run.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';

afterEach(stopStrayProcesses);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project() {
  const dir = workdir('podsec-preflight-cli-');
  dirs.push(dir);
  const inv = localInventory(dir, ['h1', 'h2']);
  const pb = writePlaybook(
    dir,
    `name: facts
phases:
  - name: main
    hosts: all
    steps:
      - id: show
        uses: shell
        with:
          run: echo "${'$'}{{ host.name }} runs on ${'$'}{{ host.facts.hostname }} (${'$'}{{ host.facts.internal.interface }})"
        when: ${'$'}{{ host.facts.internal.address }}
`,
  );
  return { dir, inv, pb };
}

describe('podsec-play preflight', () => {
  it('prints one table of host × check and exits 0 when all pass; --json gives results and facts', async () => {
    const { dir, inv, pb } = project();
    const r = await runCli(['preflight', pb, '-i', inv], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^HOST +CHECK +RESULT$/m);
    expect(r.stdout).toMatch(/^h1 +reachable +ok +.*hostname /m);
    expect(r.stdout).toMatch(/^✔ 2 checks on 2 hosts: all passed/m);
    const j = await runCli(['preflight', pb, '-i', inv, '--json'], { cwd: dir });
    const report = JSON.parse(j.stdout) as { ok: boolean; results: { host: string; check: string }[]; facts: Record<string, { hostname: string; internal: { interface: string } }> };
    expect(report.ok).toBe(true);
    expect(report.results.map((x) => `${x.host} ${x.check}`)).toEqual(['h1 reachable', 'h2 reachable']);
    expect(report.facts['h1']!.hostname).toBe(hostname());
    expect(report.facts['h1']!.internal.interface).toBe('lo');
  });

  it('run takes the facts into expressions; the journal keeps them', async () => {
    const { dir, inv, pb } = project();
    const r = await runCli(['run', pb, '-i', inv, '--json'], { cwd: dir });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const lines = parseEvents(r.stdout).flatMap((e) => (e.type === 'step.output' ? [`${e.host}: ${e.line}`] : []));
    expect(lines.sort()).toEqual([`h1: h1 runs on ${hostname()} (lo)`, `h2: h2 runs on ${hostname()} (lo)`]);
    const status = await runCli(['status'], { cwd: dir });
    expect(status.stdout).toContain(`hostname ${hostname()}, 127.0.0.1/8 on lo`);
    const out = await runCli(['status', '--json'], { cwd: dir });
    const states = JSON.parse(out.stdout) as { facts: Record<string, { hostname: string }> }[];
    expect(states[0]!.facts['h2']!.hostname).toBe(hostname());
  });

  it('usage and input problems are exit 2 with the file, line and column', async () => {
    const { dir, inv, pb } = project();
    const noInv = await runCli(['preflight', pb], { cwd: dir });
    expect(noInv.code).toBe(2);
    expect(noInv.stderr).toContain("podsec-play: required option '-i, --inventory <file>' not specified");
    const skipReachable = await runCli(['run', pb, '-i', inv, '--skip-check', 'reachable'], { cwd: dir });
    expect(skipReachable.code).toBe(2);
    expect(skipReachable.stderr).toContain('--skip-check reachable: a host whose facts cannot be gathered cannot be checked or run');
    const skipUnknownHost = await runCli(['preflight', pb, '-i', inv, '--skip-check', 'h9/swap-off'], { cwd: dir });
    expect(skipUnknownHost.code).toBe(2);
    expect(skipUnknownHost.stderr).toContain('--skip-check h9/swap-off: no host named "h9"');
    const bad = writePlaybook(dir, 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with: { run: "echo ${{ host.facts.nope }}" }\n', 'bad.yaml');
    const invalid = await runCli(['preflight', bad, '-i', inv], { cwd: dir });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(`${bad}:8:28: cannot resolve \${{ host.facts.nope }}: host.facts has no "nope"`);
  });

  it('--show-script prints the read-only script an admin can run by hand, and it runs', async () => {
    const r = await runCli(['preflight', '--show-script']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^LC_ALL=C; LANG=C; export LC_ALL LANG$/m);
    expect(r.stdout).toContain('test -e /var/lib/podsec/u7s/etcd/member');
    const out = execFileSync('/bin/sh', ['-c', r.stdout], { encoding: 'utf8' });
    expect(out).toMatch(/@@podsec-play-facts end\n$/);
  });
});

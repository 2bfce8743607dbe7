// The output side against real runs of the compiled CLI (local transport): every --json line
// valid against the schema, the JUnit report matching the events, the log file holding them all,
// plain output free of escapes, and the TUI's final frame in a real terminal.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import fm from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { command } from '../../engine/util/shell.js';
import { CLI, runCli } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';
import { Terminal } from './terminal.js';
import { findAll, parseXml } from './xml-check.js';

const addFormats = fm.default;
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/events.schema.json', import.meta.url), 'utf8')));

beforeAll(() => {
  expect(existsSync(CLI), 'build first (npm run build)').toBe(true);
});

/** Two phases on two local hosts: plain steps, a creates: guard, a retry, and a failure on h2. */
function project() {
  const dir = workdir('report-cli-');
  const inventory = localInventory(dir, ['h1', 'h2']);
  const playbook = writePlaybook(
    dir,
    `name: outputs
phases:
  - name: prepare
    hosts: all
    steps:
      - id: hello
        name: Say hello
        uses: shell
        with: { run: "echo hello from \${{ host.name }}" }
      - id: stamp
        uses: shell
        with:
          run: touch ${dir}/stamp-\${{ host.name }}
          creates: ${dir}/stamp-\${{ host.name }}
      - id: flaky
        uses: shell
        with:
          run: f=${dir}/n-\${{ host.name }}; n=$(cat $f 2>/dev/null || echo 0); n=$((n+1)); echo $n > $f; echo attempt $n; [ $n -ge 2 ]
        retry: { attempts: 3, delay: 10ms }
  - name: finish
    hosts: all
    steps:
      - id: maybe-fail
        uses: shell
        with: { run: "echo line one; echo line two >&2; test \${{ host.name }} != h2 || exit 3" }
      - id: after
        uses: shell
        with: { run: "true" }
`,
  );
  return { dir, inventory, playbook };
}

function jsonEvents(stdout: string): PlayEvent[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as PlayEvent);
}

describe('reporters on real runs of the CLI', () => {
  it('--json: every line is an event valid against the schema; JUnit and the log file agree with them', async () => {
    const { dir, inventory, playbook } = project();
    for (const round of [1, 2]) {
      const junit = join(dir, `junit-${round}.xml`);
      const log = join(dir, `run-${round}.log`);
      const r = await runCli(['run', playbook, '-i', inventory, '--json', '--junit', junit, '--log-file', log], { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      const events = jsonEvents(r.stdout);
      for (const e of events) {
        const ok = validate(e);
        expect(ok ? [] : validate.errors, JSON.stringify(e)).toEqual([]);
      }
      expect(events[0]!.type).toBe('run.started');
      expect(events.at(-1)!.type).toBe('run.failed');
      expect(r.stderr).toContain('podsec-play: failed: finish/h2 maybe-fail: exit code 3');

      const steps = new Map<string, PlayEvent>();
      for (const e of events) if ('step' in e && e.type !== 'step.output') steps.set(`${e.phase}.${e.host} ${e.step}`, e);
      const root = parseXml(readFileSync(junit, 'utf8'));
      // The preflight is a suite of its own: a case per host × check (the hosts with work left
      // are reachable: both at first, only h2 on the resumed run).
      const pre = events.find((e) => e.type === 'preflight.finished') as Extract<PlayEvent, { type: 'preflight.finished' }>;
      const hosts = round === 1 ? ['h1', 'h2'] : ['h2'];
      expect(pre.results.map((x) => `${x.host} ${x.check} ${x.status}`)).toEqual(hosts.map((h) => `${h} reachable ok`));
      const cases = findAll(root, 'testcase').filter((c) => !c.attrs.classname!.startsWith('preflight.'));
      expect(findAll(root, 'testcase').filter((c) => c.attrs.classname!.startsWith('preflight.')).map((c) => `${c.attrs.classname} ${c.attrs.name}`)).toEqual(
        hosts.map((h) => `preflight.${h} reachable`),
      );
      expect(cases.map((c) => `${c.attrs.classname} ${c.attrs.name}`).sort()).toEqual([...steps.keys()].sort());
      expect(Number(root.attrs.tests)).toBe(steps.size + pre.results.length);
      expect(Number(root.attrs.failures)).toBe([...steps.values()].filter((e) => e.type === 'step.failed').length);
      expect(Number(root.attrs.skipped)).toBe([...steps.values()].filter((e) => e.type === 'step.skipped').length);
      expect(findAll(root, 'failure')[0]!.attrs.message).toMatch(/^exit code 3: /);

      const records = readFileSync(log, 'utf8').trimEnd().split('\n');
      expect(records).toHaveLength(events.length);

      if (round === 1) expect(events.filter((e) => e.type === 'step.retrying')).toHaveLength(2);
      else expect(events.filter((e) => e.type === 'step.skipped' && e.reason === 'done').length).toBeGreaterThanOrEqual(6);
    }
  });

  it('--json: a reader that goes away (like `| head -1`) does not crash the run; the log gets everything', async () => {
    const { dir, inventory, playbook } = project();
    const log = join(dir, 'run.log');
    const child = spawn(process.execPath, [CLI, 'run', playbook, '-i', inventory, '--json', '--log-file', log], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    child.stdout.destroy(); // the reader quits after the first line
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(JSON.parse(first.split('\n')[0]!).type).toBe('run.started');
    expect(code).toBe(1); // the run's own outcome (h2 fails), not a crash
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(readFileSync(log, 'utf8')).toContain('"type":"run.failed"');
  });

  it('--plain: no escape codes, one line per change, the summary, failures also on stderr', async () => {
    const { dir, inventory, playbook } = project();
    const r = await runCli(['run', playbook, '-i', inventory, '--plain'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} prepare\/h1 flaky: attempt 1\/3 failed: exit code 1: /m);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} finish\/h2 maybe-fail: failed \(\d+\.\ds\): exit code 3: /m);
    expect(r.stdout).toMatch(/^ {6}\| line two$/m);
    expect(r.stdout).toMatch(/^ {2}h2 {2}failed at finish\/maybe-fail$/m);
    expect(r.stdout).toMatch(/^Full log: .+\.log$/m);
    expect(r.stderr).toContain('podsec-play: failed: finish/h2 maybe-fail: exit code 3');
  });

  it('on a terminal: the TUI tree and the summary, and nothing else on the screen', async () => {
    const { dir, inventory, playbook } = project();
    const line = `cd ${command(dir)} && ${command(process.execPath, CLI, 'run', playbook, '-i', inventory)}; echo "EXIT=$?"`;
    const term = await Terminal.start(line, 120, 40);
    try {
      const frame = await term.waitFor(/EXIT=\d+/, { history: true });
      expect(frame).toContain('EXIT=1');
      expect(frame).toMatch(/^✔ prepare \(2 hosts, \d+\.\ds\)$/m);
      expect(frame).toMatch(/^✖ finish — 1 of 2 hosts failed \(\d+\.\ds\)$/m);
      expect(frame).toMatch(/^ {2}✖ h2 — failed at maybe-fail: exit code 3/m);
      expect(frame).toMatch(/^ {4}✖ maybe-fail — failed: exit code 3/m);
      expect(frame).toMatch(/^ {4}\| line one\n {4}\| line two$/m);
      expect(frame).toMatch(/^ {4}↓ after — not reached$/m);
      expect(frame).toMatch(/^✖ outputs failed in \d+\.\ds$/m);
      expect(frame).toMatch(/^Full log: /m);
    } finally {
      await term.stop();
    }
  });
});

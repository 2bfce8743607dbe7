// The real CLI as a child process against local hosts: retries, kill -9 and resume, Ctrl-C,
// lock contention, a changed playbook, and secrets kept out of every output.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../engine/journal/journal.js';
import { CliProcess, parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';

// A test that fails midway must not leave its CLI running.
afterEach(stopStrayProcesses);

function readState(dir: string) {
  const stateDir = join(dir, '.podsec-play');
  const file = readdirSync(stateDir).find((f) => f.endsWith('.state.json'))!;
  return { file: join(stateDir, file), state: readJournal(join(stateDir, file)) };
}

describe('podsec-play run (local transport)', () => {
  it('retries a step that fails twice and then succeeds', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(
      dir,
      `name: flaky
phases:
  - name: main
    hosts: all
    steps:
      - id: flaky
        uses: shell
        with:
          run: n=$(cat ${dir}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${dir}/n; echo attempt $n; [ $n -ge 3 ]
        retry: { attempts: 3, delay: 10ms, backoff: 2 }
`,
    );
    const r = await runCli(['run', pb, '-i', inv, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const events = parseEvents(r.stdout);
    expect(events.filter((e) => e.type === 'step.retrying').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(events.find((e) => e.type === 'step.succeeded')).toMatchObject({ attempt: 3 });
    expect(readFileSync(join(dir, 'n'), 'utf8').trim()).toBe('3');
  });

  it('fails with exit 1 when the attempts run out, naming host, step and exit code', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(dir, `name: bad\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: boom, uses: shell, with: { run: "echo going down; exit 7" }, retry: { attempts: 2, delay: 10ms } }\n      - { id: after, uses: shell, with: { run: "touch ${dir}/after" } }\n`);
    const r = await runCli(['run', pb, '-i', inv, '--plain'], { cwd: dir });
    expect(r.code).toBe(1);
    const all = r.stdout + r.stderr;
    expect(all).toContain('h1');
    expect(all).toContain('boom');
    expect(all).toMatch(/exit(ed with)? code 7|exit 7/);
    expect(existsSync(join(dir, 'after'))).toBe(false);
    expect(readState(dir).state.steps['main/h1/boom']!.status).toBe('failed');
  });

  it('resumes after kill -9 at several points; creates:-guarded steps run exactly once', async () => {
    const dir = workdir();
    const inv = localInventory(dir, ['h1', 'h2']);
    const steps = Array.from({ length: 6 }, (_, i) => `      - id: s${i}\n        uses: shell\n        with:\n          run: echo ${'${{ host.name }}'} >> ${dir}/log-s${i} && touch ${dir}/done-${'${{ host.name }}'}-s${i}\n          creates: ${dir}/done-${'${{ host.name }}'}-s${i}\n`).join('');
    const pb = writePlaybook(dir, `name: kill\nphases:\n  - name: a\n    hosts: all\n    concurrency: 1\n    steps:\n${steps}  - name: b\n    hosts: all\n    steps:\n      - { id: last, uses: shell, with: { run: "echo last >> ${dir}/log-last" } }\n`);
    // Kill points: after the 1st, 4th, 7th and 10th step succeeded (counted across runs).
    const killAfter = [1, 3, 3, 3];
    let runs = 0;
    for (const n of killAfter) {
      runs++;
      const p = new CliProcess(['run', pb, '-i', inv, '--json'], { cwd: dir });
      let seen = 0;
      await p.waitFor((e) => e.type === 'step.succeeded' && ++seen >= n).catch(() => undefined);
      p.child.kill('SIGKILL');
      const { signal } = await p.exited;
      expect(signal).toBe('SIGKILL');
    }
    const final = await runCli(['run', pb, '-i', inv, '--json'], { cwd: dir });
    expect(final.code, final.stderr).toBe(0);
    expect(runs).toBe(4);
    for (let i = 0; i < 6; i++) {
      expect(readFileSync(join(dir, `log-s${i}`), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['h1', 'h2']);
    }
    expect(readFileSync(join(dir, 'log-last'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    // The final state equals an uninterrupted run's: every step finished.
    const { state } = readState(dir);
    const statuses = Object.values(state.steps).map((s) => s.status);
    expect(statuses.every((s) => s === 'succeeded' || s === 'skipped')).toBe(true);
    // Running again does nothing new: every step is already done.
    const again = await runCli(['run', pb, '-i', inv, '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    const skipped = parseEvents(again.stdout).filter((e) => e.type === 'step.skipped');
    expect(skipped.every((e) => (e as { reason: string }).reason === 'done')).toBe(true);
    expect(skipped).toHaveLength(14);
  });

  it('Ctrl-C stops the running command, saves the state, exits 130; the same command resumes, from any directory', async () => {
    const dir = workdir();
    const elsewhere = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(
      dir,
      `name: slow\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: first, uses: shell, with: { run: "echo one >> ${dir}/log" } }\n      - { id: wait, uses: shell, with: { run: "test -e ${dir}/go || { echo waiting; sleep 30; exit 1; }; echo two >> ${dir}/log" } }\n`,
    );
    // Started from another directory: the state and log go beside the inventory all the same.
    const p = new CliProcess(['run', pb, '-i', inv, '--json'], { cwd: elsewhere });
    await p.waitFor((e) => e.type === 'step.output' && (e as { line: string }).line === 'waiting');
    p.child.kill('SIGINT');
    const { code } = await p.exited;
    expect(code).toBe(130);
    expect(p.events.at(-1)?.type).toBe('run.interrupted');
    expect(existsSync(join(elsewhere, '.podsec-play'))).toBe(false);
    const { file, state } = readState(dir);
    expect(file).toBe(join(dir, '.podsec-play', 'playbook.inventory.state.json'));
    expect(readdirSync(join(dir, '.podsec-play', 'logs'))).toHaveLength(1);
    expect(state.steps['main/h1/first']!.status).toBe('succeeded');
    expect(state.steps['main/h1/wait']!.status).toBe('running');
    // status -i finds it; its exit code says the last run was interrupted.
    const interrupted = await runCli(['status', '-i', inv, '--json'], { cwd: elsewhere });
    expect(interrupted.code).toBe(130);
    expect(JSON.parse(interrupted.stdout)[0]).toMatchObject({ outcome: 'interrupted', stateFile: file });
    writeFileSync(join(dir, 'go'), '');
    const r = await runCli(['run', pb, '-i', inv, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect((await runCli(['status', '-i', inv], { cwd: elsewhere })).code).toBe(0);
    expect((await runCli(['status', '--state', file, '--json'], { cwd: elsewhere })).code).toBe(0);
    expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('one\ntwo\n');
    const events = parseEvents(r.stdout);
    expect(events.find((e) => e.type === 'run.started')).toMatchObject({ resumed: true });
    expect(events.find((e) => e.type === 'step.skipped')).toMatchObject({ step: 'first', reason: 'done' });
  });

  it('refuses a second run on the same state while one is running (exit 3)', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(dir, `name: lock\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: wait, uses: shell, with: { run: "echo started; while ! test -e ${dir}/go; do sleep 0.05; done" } }\n`);
    const p = new CliProcess(['run', pb, '-i', inv, '--json'], { cwd: dir });
    await p.waitFor((e) => e.type === 'step.output');
    const second = await runCli(['run', pb, '-i', inv], { cwd: dir });
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/in use by another run/);
    writeFileSync(join(dir, 'go'), '');
    expect((await p.exited).code).toBe(0);
  });

  it('refuses to resume when the playbook changed, unless --fresh', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const text = `name: change\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: a, uses: shell, with: { run: "echo a >> ${dir}/log" } }\n      - { id: b, uses: shell, with: { run: "exit 1" } }\n`;
    const pb = writePlaybook(dir, text);
    expect((await runCli(['run', pb, '-i', inv], { cwd: dir })).code).toBe(1);
    writePlaybook(dir, text.replace('exit 1', 'exit 0'));
    const refused = await runCli(['run', pb, '-i', inv], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/changed since/);
    expect(refused.stderr).toMatch(/--fresh/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const fresh = await runCli(['run', pb, '-i', inv, '--fresh'], { cwd: dir });
    expect(fresh.code, fresh.stderr).toBe(0);
  });

  it('a state file cut inside its snapshot is an error, never a silent restart; a cut last line is a write that never happened', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = writePlaybook(dir, `name: torn\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: a, uses: shell, with: { run: "true" } }\n`);
    expect((await runCli(['run', pb, '-i', inv], { cwd: dir })).code).toBe(0);
    const { file } = readState(dir);
    const whole = readFileSync(file, 'utf8');
    // Cut inside the first (snapshot) line: nothing to resume from.
    writeFileSync(file, whole.slice(0, 40));
    const damaged = await runCli(['run', pb, '-i', inv], { cwd: dir });
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/damaged \(its only line is cut off\)/);
    expect(statSync(file).size).toBe(40);
    // Cut inside the last appended line: that write did not happen, the rest resumes.
    writeFileSync(file, whole.slice(0, whole.length - 5));
    const resumed = await runCli(['run', pb, '-i', inv], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it('keeps secrets out of stdout, stderr, JSON events, the log, JUnit, status and the state printout', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const secret = 'S3cr3t-Tok3n-Value';
    const minted = 'Minted-Join-Key-987654321';
    const pb = writePlaybook(
      dir,
      `name: secrets
phases:
  - name: main
    hosts: all
    steps:
      - id: mint
        uses: shell
        with:
          run: echo "token=Minted-Join-$(echo Key)-987654321"
          outputs: { token: { regex: "token=(\\\\S+)", secret: true } }
      - id: use
        uses: shell
        with:
          run: echo using ${'${{ secrets.API_TOKEN }}'} and ${'${{ steps.mint.outputs.token }}'}; echo ${'${{ secrets.API_TOKEN }}'} >&2; exit 3
`,
    );
    const log = join(dir, 'run.log');
    const junit = join(dir, 'junit.xml');
    const env = { PODSEC_SECRET_API_TOKEN: secret };
    const plain = await runCli(['run', pb, '-i', inv, '--plain', '--log-file', log, '--junit', junit], { cwd: dir, env });
    expect(plain.code).toBe(1);
    const json = await runCli(['run', pb, '-i', inv, '--json', '--fresh'], { cwd: dir, env });
    const status = await runCli(['status'], { cwd: dir });
    const statusJson = await runCli(['status', '--json'], { cwd: dir });
    const plan = await runCli(['plan', pb, '-i', inv, '--format', 'json'], { cwd: dir, env });
    const outputs = [plain.stdout, plain.stderr, json.stdout, json.stderr, status.stdout, statusJson.stdout, plan.stdout, readFileSync(log, 'utf8'), readFileSync(junit, 'utf8')];
    for (const text of outputs) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(minted);
    }
    expect(json.stdout).toContain('[REDACTED]');
    // The state keeps the secret output for resume, in a file only the owner can read.
    const { file } = readState(dir);
    expect(readFileSync(file, 'utf8')).toContain(minted);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('secrets across a resume', () => {
  it('masks an environment secret that only reaches a restored output, a multi-line secret, and status', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pw = 'EnvPassw0rdXYZ';
    const key = 'first-line-of-key\nsecond-line-of-key';
    const text = `name: resume-secret
phases:
  - name: main
    hosts: all
    steps:
      - id: s
        uses: shell
        with:
          run: echo "pw=${'${{ secrets.ENVPW }}'}"
          outputs: { pw: { regex: 'pw=(\\S+)' } }
      - id: t
        uses: shell
        with:
          run: echo ${'${{ steps.s.outputs.pw }}'}; printf '%s\\n' ${'${{ secrets.KEY }}'}; test -e ${dir}/go
`;
    const pb = writePlaybook(dir, text);
    const env = { PODSEC_SECRET_ENVPW: pw, PODSEC_SECRET_KEY: key };
    const first = await runCli(['run', pb, '-i', inv, '--json'], { cwd: dir, env });
    expect(first.code).toBe(1);
    writeFileSync(join(dir, 'go'), '');
    const log = join(dir, 'resume.log');
    const second = await runCli(['run', pb, '-i', inv, '--json', '--log-file', log], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    const status = await runCli(['status', '--json'], { cwd: dir });
    for (const out of [first.stdout, first.stderr, second.stdout, second.stderr, readFileSync(log, 'utf8'), status.stdout]) {
      expect(out).not.toContain(pw);
      expect(out).not.toContain('first-line-of-key');
      expect(out).not.toContain('second-line-of-key');
    }
    expect(second.stdout).toContain('[REDACTED]');
  });
});

describe('podsec-play validate', () => {
  it('prints FILE:LINE:COL: message for every problem and exits 2, without a stack trace', async () => {
    const dir = workdir();
    const pb = writePlaybook(dir, `name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: a\n        uses: nope\n      - id: b\n        uses: shell\n        with: { run: "echo \${{ vars.missing }}", bogus: 1 }\n`);
    const r = await runCli(['validate', pb], { cwd: dir });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => l.includes(`${pb}:`)).length).toBeGreaterThanOrEqual(3);
    expect(r.stderr).toContain(`${pb}:7:15: unknown step kind "nope"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on usage errors and prints help with --help', async () => {
    expect((await runCli(['run'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    for (const cmd of ['run', 'plan', 'validate', 'status', 'kubeconfig', 'lab', 'demo']) {
      const r = await runCli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage|podsec-play/);
    }
  });
});

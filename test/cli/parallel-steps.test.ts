// Steps marked `parallel: true` share the host's one connection at the same time, over a lab
// node (an ssh2 server): each of them waits on the node until eight of the group have started,
// which only happens when they really run at once (the transport's cap is 8 sessions). The journal
// records every step of the group, the events keep each step's own order and the step after the
// group comes after all of it, and a secret the group prints is masked everywhere.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../engine/journal/journal.js';
import { startLab, type RunningLab } from '../../lab/index.js';
import { parseEvents, runCli } from '../helpers/cli.js';
import { workdir, writePlaybook } from '../helpers/workdir.js';

const GROUP = 10;

describe('parallel steps on one connection', () => {
  let lab: RunningLab;
  const dir = workdir('podsec-play-parallel-');

  beforeAll(async () => {
    lab = await startLab({ dir: join(dir, 'lab'), controlPlanes: 0, workers: 1, lbs: 0 });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('runs the group at once, journals every step, orders the events and masks a secret', async () => {
    const secret = (parse(readFileSync(lab.inventoryFile, 'utf8')) as { secrets: Record<string, string> }).secrets.IMAGEMAKER_PASSWORD!;
    expect(secret.length).toBeGreaterThan(3);
    // Each waits (at most ~15 s) until 8 of the group have started: sequential steps would fail.
    const wait = 'mkdir -p /tmp/par && touch /tmp/par/$0 && n=0; while [ $(ls /tmp/par | wc -l) -lt 8 ]; do n=$((n+1)); [ $n -gt 300 ] && exit 1; sleep 0.05; done';
    const group = Array.from(
      { length: GROUP },
      (_, i) => `      - { id: p${i}, uses: shell, parallel: true, with: { run: "sh -c '${wait}' p${i} && echo p${i} has \${{ secrets.IMAGEMAKER_PASSWORD }}" } }`,
    ).join('\n');
    const pb = writePlaybook(
      dir,
      `name: parallel\nphases:\n  - name: main\n    hosts: [worker]\n    steps:\n      - { id: first, uses: shell, with: { run: "rm -rf /tmp/par" } }\n${group}\n      - { id: last, uses: shell, with: { run: "ls /tmp/par | wc -l" } }\n`,
    );
    const state = join(dir, 'parallel.state');
    const log = join(dir, 'parallel.log');
    const r = await runCli(['run', pb, '-i', lab.inventoryFile, '--json', '--state', state, '--log-file', log], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);

    const node = lab.nodes.find((n) => n.role === 'worker')!;
    expect(readdirSync(join(node.root, 'tmp/par')).sort()).toEqual(Array.from({ length: GROUP }, (_, i) => `p${i}`).sort());

    const events = parseEvents(r.stdout);
    const index = (type: string, step: string) => events.findIndex((e) => e.type === type && (e as { step?: string }).step === step);
    for (let i = 0; i < GROUP; i++) {
      const step = `p${i}`;
      expect(index('step.succeeded', 'first')).toBeLessThan(index('step.started', step));
      expect(index('step.started', step)).toBeLessThan(index('step.succeeded', step));
      expect(index('step.succeeded', step)).toBeLessThan(index('step.started', 'last'));
      const lines = events.filter((e) => e.type === 'step.output' && (e as { step?: string }).step === step).map((e) => (e as { line: string }).line);
      expect(lines).toEqual([`${step} has [REDACTED]`]);
    }
    expect(events.filter((e) => e.type === 'step.output' && (e as { step?: string }).step === 'last').map((e) => (e as { line: string }).line)).toEqual([String(GROUP)]);

    const journal = readJournal(state);
    const steps = Object.values(journal.steps);
    expect(steps).toHaveLength(GROUP + 2);
    expect(steps.every((s) => s.status === 'succeeded' && s.attempts === 1)).toBe(true);
    expect(journal.runs.at(-1)?.outcome).toBe('succeeded');

    for (const text of [r.stdout, r.stderr, readFileSync(log, 'utf8'), readFileSync(state, 'utf8')]) expect(text).not.toContain(secret);
  });

  it('refuses a step of a group that reads the outputs of another step of the same group', async () => {
    const pb = writePlaybook(
      dir,
      'name: bad\nphases:\n  - name: main\n    hosts: [worker]\n    steps:\n      - { id: a, uses: shell, parallel: true, with: { run: "true" } }\n      - { id: b, uses: shell, parallel: true, with: { run: "echo ${{ steps.a.outputs.stdout }}" } }\n',
      'bad.yaml',
    );
    const r = await runCli(['validate', pb, '-i', lab.inventoryFile], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: .*step "a" runs at the same time as step "b"/);
  });
});

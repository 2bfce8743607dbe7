// A state file that is valid JSON of the wrong shape (issue 10, item 8): `run` and `status` refuse
// it with the line and what is wrong (exit 2), never "Cannot read properties of null"; and
// whatever `run` accepts, `status` prints (a fuzz over a real run's journal).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlayError } from '../../engine/errors.js';
import { readJournal } from '../../engine/journal/journal.js';
import { formatStatus, statusJson } from '../../engine/report/status-table.js';
import { runCli } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';

let dir: string;
let inv: string;
let pb: string;
let good: string[];

beforeAll(async () => {
  dir = workdir();
  inv = localInventory(dir, ['h1', 'h2']);
  pb = writePlaybook(
    dir,
    `name: shape\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: one, uses: shell, with: { run: "echo one" } }\n      - { id: two, uses: shell, with: { run: "test $(hostname) = nohost" }, retry: { attempts: 1 } }\n`,
  );
  const r = await runCli(['run', pb, '-i', inv, '--state', join(dir, 'good.json'), '--plain'], { cwd: dir });
  expect(r.code).toBe(1); // step two fails: the journal then holds errors too
  good = readFileSync(join(dir, 'good.json'), 'utf8').split('\n').filter(Boolean);
});

type Snapshot = Record<string, unknown> & { steps: Record<string, Record<string, unknown>>; runs: unknown[] };
const snapshotOf = (lines: string[]) => (JSON.parse(lines[0]!) as { snapshot: Snapshot }).snapshot;
const withSnapshot = (lines: string[], change: (s: Snapshot) => void) => {
  const head = JSON.parse(lines[0]!) as { format: 1; snapshot: Snapshot };
  change(head.snapshot);
  return [JSON.stringify(head), ...lines.slice(1)];
};
const firstStepKey = (lines: string[]) => Object.keys(snapshotOf(lines).steps)[0]!;

const CASES: [string, (lines: string[]) => string[]][] = [
  ['the snapshot is null', (l) => [JSON.stringify({ format: 1, snapshot: null }), ...l.slice(1)]],
  ['steps is null', (l) => withSnapshot(l, (s) => ((s as Record<string, unknown>).steps = null))],
  ['a step record is null', (l) => withSnapshot(l, (s) => ((s.steps as Record<string, unknown>)[firstStepKey(l)] = null))],
  ['runs holds a null', (l) => withSnapshot(l, (s) => (s.runs = [null]))],
  ['a step error without its message', (l) => withSnapshot(l, (s) => (s.steps[firstStepKey(l)]!.error = { code: 'E_COMMAND' }))],
  ['a step status nobody knows', (l) => withSnapshot(l, (s) => (s.steps[firstStepKey(l)]!.status = 'exploded'))],
  ['an output that is not a string', (l) => withSnapshot(l, (s) => (s.steps[firstStepKey(l)]!.outputs = { x: 5 }))],
  ['sealed is an array', (l) => withSnapshot(l, (s) => (s.sealed = []))],
  ['a change line whose set is null', (l) => [...l, JSON.stringify({ step: firstStepKey(l), set: null })]],
  ['a change line that removes a step status', (l) => [...l, JSON.stringify({ step: firstStepKey(l), set: { status: null } })]],
  ['a seal line with an empty seal', (l) => [...l, JSON.stringify({ seal: {} })]],
  ['a line that is an array', (l) => [...l, '[]']],
  ['a line that is null', (l) => [...l, 'null']],
  ['a change line for __proto__', (l) => [...l, JSON.stringify({ step: '__proto__', set: { status: 'succeeded' } })]],
];

describe('a state file of the wrong shape', () => {
  it.each(CASES)('%s: run and status refuse it with the line and the reason (exit 2), no TypeError', async (_name, mutate) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, mutate(good).join('\n') + '\n');
    for (const args of [['run', pb, '-i', inv, '--state', file, '--plain'], ['status', '--state', file]]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/the state file is damaged \((line \d+|after applying its \d+ change lines)|not a podsec-play state file \(/);
      expect(r.stderr).not.toMatch(/TypeError|Cannot read properties|undefined|\bat .*\.js:\d+/);
    }
  });
});

/** A small deterministic PRNG (mulberry32): the fuzz is the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [null, 0, -1, 1.5, '', 'x', '2026-13-45', [], {}, true, { a: 1 }, ['x'], 'running', 'E_STEP'];

/** Every [container, key] in a JSON value, depth first. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([value, i]);
      slots(v, out);
    });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      slots(v, out);
    }
  }
  return out;
}

describe('whatever run accepts, status prints', () => {
  it('600 mutations of a real journal: each is refused as E_STATE or read, and what is read, status prints (table and JSON)', () => {
    const random = prng(10);
    const file = join(dir, 'fuzz.json');
    let accepted = 0;
    for (let i = 0; i < 600; i++) {
      const lines = good.map((l) => JSON.parse(l) as unknown);
      const target = lines[Math.floor(random() * lines.length)];
      const all = slots(target);
      const [container, key] = all[Math.floor(random() * all.length)]!;
      if (random() < 0.2 && !Array.isArray(container)) delete container[key as string];
      else (container as Record<string | number, unknown>)[key] = ODD_VALUES[Math.floor(random() * ODD_VALUES.length)];
      writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      let state;
      try {
        state = readJournal(file);
      } catch (err) {
        expect(err, `mutation ${i}`).toBeInstanceOf(PlayError);
        expect((err as PlayError).code).toBe('E_STATE');
        continue;
      }
      accepted++;
      expect(() => formatStatus(structuredClone(state)), `mutation ${i}`).not.toThrow();
      expect(() => statusJson(structuredClone(state), file), `mutation ${i}`).not.toThrow();
    }
    // Some mutations are harmless (a different time, title or output): those are read.
    expect(accepted).toBeGreaterThan(20);
  });
});

// How long `validate` takes on the largest input podsec-play reads (MAX_INPUT_BYTES), in the
// shapes that cost the most per byte: a map of many short keys, the same keys in one flow map,
// and an inventory of as many hosts as fit; and how fast a file one byte over is refused.
// Part of `npm run bench`; `node dist/bench/input-limits.js` prints the rows alone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { MAX_INPUT_BYTES } from '../engine/load/yaml-limits.js';
import { CLI_WITH_RSS, median } from './measure.js';

const TAIL = 'phases:\n  - name: x\n    hosts: all\n    steps:\n      - { id: s, uses: shell, with: { run: echo hi } }\n';

/** Wall time and CPU time (user + system, from the child's resource usage) of one CLI run. */
function timeValidate(args: string[], cwd: string, expectCode: number): Promise<{ wallMs: number; cpuMs: number }> {
  const cpuFile = join(cwd, 'cpu');
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_WITH_RSS, 'validate', ...args], { cwd, env: { ...process.env, PODSEC_PLAY_BENCH_CPU: cpuFile }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== expectCode) return reject(new Error(`validate ${args.join(' ')} exited ${code} (expected ${expectCode}):\n${stderr}`));
      resolve({ wallMs, cpuMs: Number(readFileSync(cpuFile, 'utf8')) });
    });
  });
}

function fill(head: string, line: (i: number) => string, tail: string): { text: string; items: number } {
  let text = head;
  let i = 0;
  for (;;) {
    const next = line(i);
    if (Buffer.byteLength(text + next + tail) > MAX_INPUT_BYTES) break;
    text += next;
    i++;
  }
  return { text: text + tail, items: i };
}

export async function inputLimitRows(reps = 3): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'podsec-play-bench-input-'));
  try {
    writeFileSync(join(dir, 'inv.yaml'), 'cluster: { name: x }\nhosts:\n  - { name: h1, address: 127.0.0.1, transport: local, roles: [node] }\n');
    writeFileSync(join(dir, 'pb.yaml'), `name: p\n${TAIL}`);
    const map = fill('name: p\nvars:\n', (i) => `  k${i}: ${i}\n`, TAIL);
    writeFileSync(join(dir, 'map.yaml'), map.text);
    const flow = fill('name: p\nvars: {', (i) => `k${i}: ${i}, `, `z: 1}\n${TAIL}`);
    writeFileSync(join(dir, 'flow.yaml'), flow.text);
    const hosts = fill(
      'cluster: { name: x }\nhosts:\n',
      (i) => `  - { name: h${i}, address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, transport: local, roles: [node] }\n`,
      '',
    );
    writeFileSync(join(dir, 'hosts.yaml'), hosts.text);
    writeFileSync(join(dir, 'over.yaml'), map.text + '#'.repeat(MAX_INPUT_BYTES - Buffer.byteLength(map.text) + 1));
    const cases: [string, string[], number][] = [
      ['a tiny playbook (start-up and schemas: the fixed cost)', ['pb.yaml', '-i', 'inv.yaml'], 0],
      [`playbook: a map of ${map.items} keys`, ['map.yaml', '-i', 'inv.yaml'], 0],
      [`playbook: one flow map of ${flow.items} keys`, ['flow.yaml', '-i', 'inv.yaml'], 0],
      [`inventory: ${hosts.items} hosts`, ['pb.yaml', '-i', 'hosts.yaml'], 0],
      ['one byte over the limit (refused, exit 2)', ['over.yaml', '-i', 'inv.yaml'], 2],
    ];
    const rows: string[] = [];
    for (const [what, args, code] of cases) {
      const runs = [];
      for (let r = 0; r < reps; r++) runs.push(await timeValidate(args, dir, code));
      rows.push(`| ${what} | ${median(runs.map((x) => x.wallMs)).toFixed(0)} ms | ${median(runs.map((x) => x.cpuMs)).toFixed(0)} ms |`);
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`MAX_INPUT_BYTES = ${MAX_INPUT_BYTES}\n| input (validate) | wall | CPU |\n|---|---|---|`);
  for (const row of await inputLimitRows(Number(process.env.BENCH_REPS ?? 3))) console.log(row);
}

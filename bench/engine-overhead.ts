// The engine's own cost per step, with a transport that answers at once: planning excluded,
// the xstate machines, journal appends, the event bus, masking and the log file included.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAndPlan } from '../cli/load-for-cli.js';
import { EventBus } from '../engine/events/bus.js';
import { Journal } from '../engine/journal/journal.js';
import { SealRegistry } from '../engine/journal/seal-registry.js';
import { createReporters } from '../engine/report/index.js';
import { SECTION_MARK } from '../engine/facts/script.js';
import { executePlan } from '../engine/run/runner.js';
import { Masker } from '../engine/secrets/masker.js';
import type { TransportPool } from '../engine/transport/pool.js';
import type { Transport } from '../engine/transport/types.js';
import { findStepKind } from '../steps/index.js';

// The facts script gets the shortest answer that parses (the preflight then passes).
const instant: Transport = {
  host: 'h',
  exec: async (command) => ({ command, exitCode: 0, signal: undefined, stdout: command.includes(SECTION_MARK) ? `${SECTION_MARK} end\n` : '', stderr: '', durationMs: 0, timedOut: false }),
  upload: async () => ({ changed: false, sha256: '' }),
  download: async () => Buffer.alloc(0),
  close: async () => undefined,
};

/** Milliseconds per step of an N-step playbook on one host with an instant transport. */
export async function engineOverhead(steps: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
  writeFileSync(join(dir, 'inv.yaml'), 'cluster: { name: bench }\nhosts:\n  - { name: h, address: 127.0.0.1 }\n');
  const list = Array.from({ length: steps }, (_, i) => `      - { id: s${i}, uses: shell, with: { run: "true" } }`).join('\n');
  writeFileSync(join(dir, 'pb.yaml'), `name: engine\nphases:\n  - name: main\n    hosts: all\n    steps:\n${list}\n`);
  const masker = new Masker();
  const planned = loadAndPlan(join(dir, 'pb.yaml'), join(dir, 'inv.yaml'), masker);
  const journal = Journal.open({ file: join(dir, 'state.json'), plan: planned.plan, runId: 'bench', fresh: true });
  const bus = new EventBus('bench', masker);
  const reporter = createReporters({ mode: 'quiet', logFile: join(dir, 'run.log') });
  bus.subscribe((e) => reporter.onEvent(e));
  const pool = { get: () => instant, drop: async () => undefined, closeAll: async () => undefined } as unknown as TransportPool;
  const started = performance.now();
  const outcome = await executePlan({
    plan: planned.plan,
    playbook: planned.playbook,
    inventory: planned.inventory,
    secrets: planned.secrets,
    masker,
    journal,
    seals: new SealRegistry(dir),
    bus,
    pool,
    keepSsh: false,
    kubeconfigFile: join(dir, 'bench.kubeconfig'),
    signal: new AbortController().signal,
    findKind: findStepKind,
  });
  const ms = performance.now() - started;
  if (outcome !== 'succeeded') throw new Error(`the engine benchmark run ${outcome}: its numbers would mean nothing`);
  journal.close();
  await reporter.close();
  rmSync(dir, { recursive: true, force: true });
  return ms / steps;
}

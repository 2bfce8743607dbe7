// The lab for the scale benchmarks, in a process of its own (`node dist/bench/lab-process.js DIR
// WORKERS`), so that its CPU is not counted as podsec-play's and does not share its event loop.
// Prints `ready` once the nodes listen and serves until its stdin closes.
//
// The stand-in programs are replaced by stubs that answer "not found" (exit 127): the facts
// script every run sends first then finds a minimal host (it tolerates a missing program), a
// few milliseconds per node instead of nine Node start-ups (~0.5 s of CPU per node, ~4 min for
// 500 nodes on two cores). Stubs, not an empty DIR/bin: this machine's own `ss` would list every
// other node's port, a facts answer no real host gives. The steps benchmarked (`true`) need no
// stand-in.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLab } from '../lab/index.js';

const [dir, workers] = process.argv.slice(2);
if (!dir || !workers) {
  process.stderr.write('usage: lab-process DIR WORKERS\n');
  process.exit(2);
}
const lab = await startLab({ dir, controlPlanes: 0, workers: Number(workers), lbs: 0 });
const bin = join(lab.dir, 'bin');
for (const name of readdirSync(bin)) {
  rmSync(join(bin, name), { force: true });
  writeFileSync(join(bin, name), '#!/bin/sh\nexit 127\n', { mode: 0o755 });
}
process.stdout.write('ready\n');
const stop = async (): Promise<void> => {
  await lab.stop();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());

// Runs the podsec-play CLI in this process and, on exit, writes its peak resident memory (KiB)
// to the file named by PODSEC_PLAY_BENCH_RSS: how the benchmark measures a run's memory.
import { writeFileSync } from 'node:fs';

const out = process.env.PODSEC_PLAY_BENCH_RSS;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
await import('../cli/main.js');

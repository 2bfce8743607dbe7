// Runs the podsec-play CLI in this process and, on exit, writes its peak resident memory (KiB)
// to the file named by PODSEC_PLAY_BENCH_RSS (how the benchmark measures a run's memory), and its
// CPU time (user + system, ms) to the one named by PODSEC_PLAY_BENCH_CPU.
import { writeFileSync } from 'node:fs';

const out = process.env.PODSEC_PLAY_BENCH_RSS;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
const cpu = process.env.PODSEC_PLAY_BENCH_CPU;
if (cpu) process.on('exit', () => writeFileSync(cpu, String((process.cpuUsage().user + process.cpuUsage().system) / 1000)));
await import('../cli/main.js');

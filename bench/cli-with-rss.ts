// Runs the podsec-play CLI in this process and, on exit, writes its peak resident memory (KiB)
// and the CPU it used (user + system, ms) as JSON to the file named by PODSEC_PLAY_BENCH_RSS (how
// the benchmark measures a run's memory and controller CPU), and the CPU time alone to the one
// named by PODSEC_PLAY_BENCH_CPU (bench/input-limits.ts).
import { writeFileSync } from 'node:fs';

const cpuMs = (): number => {
  const r = process.resourceUsage();
  return (r.userCPUTime + r.systemCPUTime) / 1000;
};
const out = process.env.PODSEC_PLAY_BENCH_RSS;
if (out) process.on('exit', () => writeFileSync(out, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS, cpuMs: cpuMs() })));
const cpu = process.env.PODSEC_PLAY_BENCH_CPU;
if (cpu) process.on('exit', () => writeFileSync(cpu, String(cpuMs())));
await import('../cli/main.js');

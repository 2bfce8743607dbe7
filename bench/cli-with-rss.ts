// Runs the podsec-play CLI in this process and, on exit, writes its peak resident memory (KiB)
// and the CPU it used (user + system, ms) as JSON to the file named by PODSEC_PLAY_BENCH_RSS:
// how the benchmark measures a run's memory and controller CPU.
import { writeFileSync } from 'node:fs';

const out = process.env.PODSEC_PLAY_BENCH_RSS;
if (out) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRSS: r.maxRSS, cpuMs: (r.userCPUTime + r.systemCPUTime) / 1000 }));
  });
}
await import('../cli/main.js');

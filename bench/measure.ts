// Small measuring tools for the benchmark: run a command N times and keep the median.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_WITH_RSS = fileURLToPath(new URL('./cli-with-rss.js', import.meta.url));

export interface Timed {
  ms: number;
  rssKiB?: number;
  /** CPU (user + system) of the podsec-play process. */
  cpuMs?: number;
  /** When the child was started (epoch ms). */
  startedAt?: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs `podsec-play ARGS` as a child; fails loudly when it does not exit 0. */
export function timeCli(args: string[], cwd: string): Promise<Timed> {
  const rssDir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  const rssFile = join(rssDir, 'rss');
  const started = process.hrtime.bigint();
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_WITH_RSS, ...args], {
      cwd,
      env: { ...process.env, PODSEC_PLAY_BENCH_RSS: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`podsec-play ${args.join(' ')} exited ${code}:\n${stderr}`));
      const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRSS: number; cpuMs: number };
      rmSync(rssDir, { recursive: true, force: true });
      resolve({ ms, rssKiB: usage.maxRSS, cpuMs: usage.cpuMs, startedAt });
    });
  });
}

export function timeShell(script: string): Promise<Timed> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`sh -c ${script} exited ${code}`));
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

export async function repeat(times: number, fn: () => Promise<Timed>): Promise<Timed> {
  const all: Timed[] = [];
  for (let i = 0; i < times; i++) all.push(await fn());
  const ms = median(all.map((t) => t.ms));
  const rss = all.map((t) => t.rssKiB).filter((v): v is number => v !== undefined);
  const cpu = all.map((t) => t.cpuMs).filter((v): v is number => v !== undefined);
  return { ms, ...(rss.length ? { rssKiB: Math.max(...rss) } : {}), ...(cpu.length ? { cpuMs: median(cpu) } : {}) };
}

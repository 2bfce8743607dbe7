// Shared by the testbed suites (root, Linux, real sshd/haproxy/keepalived): testbeds that are
// brought down by name after the file's tests whatever happened, and the questions the tests ask
// of the kernel (which processes a node's namespace holds, which addresses an interface has).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll } from 'vitest';
import { readTestbedRecord, startTestbed, stopTestbed, type RunningTestbed, type StartTestbedOptions } from '../../testbed/index.js';
import { testbedProblems } from '../../testbed/requirements.js';
import { workdir } from '../helpers/workdir.js';

/** Throws (the suite fails, never skips) when this machine cannot run a testbed. */
export function requireTestbedHost(): void {
  const problems = testbedProblems();
  if (problems.length > 0) throw new Error(`the testbed suites need root on Linux with iproute2, openssh-server, haproxy, keepalived and curl (.ci/run installs them):\n${problems.join('\n')}`);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) {
    // every namespace, veth, the bridge and every node process, by the names in testbed.json
    if (existsSync(join(d, 'tb', 'testbed.json'))) await stopTestbed(join(d, 'tb'));
    rmSync(d, { recursive: true, force: true });
  }
}, 120_000);

/** A fresh working directory whose `tb/` is brought down and removed after the file's tests. */
export function testbedWorkdir(prefix = 'podsec-testbed-'): { work: string; dir: string } {
  const work = workdir(prefix);
  dirs.push(work);
  return { work, dir: join(work, 'tb') };
}

export async function newTestbed(counts: Omit<StartTestbedOptions, 'dir'>, prefix?: string): Promise<{ work: string; testbed: RunningTestbed }> {
  requireTestbedHost();
  const { work, dir } = testbedWorkdir(prefix);
  const testbed = await startTestbed({ readyDelayMs: 200, ...counts, dir });
  return { work, testbed };
}

/** Pids of the processes in a network namespace (by `ip netns pids`). */
export function netnsPids(netns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The processes called `comm` in the namespace. */
export function processesIn(netns: string, comm: string): number[] {
  return netnsPids(netns).filter((p) => commOf(p) === comm);
}

/** IPv4 addresses on eth0 of a namespace (`a.b.c.d/n`). */
export function addressesIn(netns: string): string[] {
  const out = execFileSync('ip', ['-n', netns, '-o', '-4', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
  return [...out.matchAll(/inet (\S+)/g)].map((m) => m[1] ?? '');
}

/** Wait for a condition of the kernel's or a daemon's state (polled; fails after `ms`). */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let wait = 10; ; wait = Math.min(wait * 2, 250)) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await delay(wait);
  }
}

export function netnsList(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export function linkExists(name: string): boolean {
  try {
    execFileSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The actions.log lines of a node (one per stand-in run). */
export function nodeActions(dir: string, node: string): { time: string; argv: string[]; exit: number; [k: string]: unknown }[] {
  const file = join(dir, 'nodes', node, 'actions.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { time: string; argv: string[]; exit: number });
}

export { readTestbedRecord };

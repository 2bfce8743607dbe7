// Runs the compiled CLI (dist/): `npm test` builds first.
import { spawn, execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { tempDir } from './lab-client.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const run = promisify(execFile);
const dir = tempDir('podsec-lab-cli-');
let upPid: number | undefined;

afterAll(() => {
  if (upPid !== undefined) {
    try {
      process.kill(upPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('lab up serves until lab down; a second up is refused; lab clock moves lab time', async () => {
  expect(existsSync(CLI)).toBe(true);
  const up = spawn(process.execPath, [CLI, 'lab', 'up', '--dir', dir, '--workers', '2', '--lbs', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  upPid = up.pid;
  const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    up.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('lab ready\n')) resolve();
    });
    up.on('exit', (code) => reject(new Error(`lab up exited early (${code}): ${out}`)));
  });
  // every lab takes its own /24 inside 127.0.0.0/8 (the API server listens there)
  const subnet = /cp-1 +master +(127\.\d+\.\d+)\.1 +127\.0\.0\.1:\d+/.exec(out)?.[1];
  expect(subnet, out).toBeDefined();
  expect(out).toMatch(/lb-1 +lb/);
  expect(readFileSync(join(dir, 'lab.pid'), 'utf8').trim()).toBe(String(up.pid));
  const inventory = readFileSync(join(dir, 'inventory.yaml'), 'utf8');
  expect(inventory).toContain(`controlPlaneEndpoint: ${subnet}.100:8443`);
  expect(inventory).toMatch(/IMAGEMAKER_PASSWORD: \S+/);
  expect(inventory).toMatch(/GPG_PASSPHRASE: \S+/);

  const second = await cli('lab', 'up', '--dir', dir);
  expect(second.code).toBe(3);
  expect(second.stderr).toContain('already running');

  const before = Date.now();
  const clock = await cli('lab', 'clock', '--dir', dir, '--advance', '3h');
  expect(clock.code).toBe(0);
  const labTime = Date.parse(clock.stdout.match(/lab time: (\S+)/)![1]!);
  expect(labTime - before).toBeGreaterThanOrEqual(3 * 3_600_000);
  expect(labTime - before).toBeLessThan(3 * 3_600_000 + 60_000);

  const bad = await cli('lab', 'clock', '--dir', dir, '--advance', '3 hours');
  expect(bad.code).toBe(2);

  const down = await cli('lab', 'down', '--dir', dir);
  expect(down.code).toBe(0);
  expect(await exited).toBe(0);
  expect(existsSync(join(dir, 'lab.pid'))).toBe(false);
  expect((await cli('lab', 'down', '--dir', dir)).stdout).toContain('no lab is running');
});

test('bad lab usage exits 2 with the usage', async () => {
  const r = await cli('lab', 'up');
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("podsec-play: required option '--dir <dir>' not specified");
  const fly = await cli('lab', 'fly');
  expect(fly.code).toBe(2);
  expect(fly.stderr).toContain("unknown command 'fly'");
  const many = await cli('lab', 'up', '--dir', dir, '--workers', 'many');
  expect(many.code).toBe(2);
  expect(many.stderr).toContain("argument 'many' is invalid. --workers takes a whole number.");
});

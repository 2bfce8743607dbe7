// The one file an admin copies to a controller: `npm run build:sea` makes a single executable
// (Node's SEA) that carries the playbooks, schemas and lab stand-ins. From an empty directory, with
// its own cache, it prints its version, validates a shipped playbook, and runs the demo end to
// end — the stand-ins run by the executable itself acting as node (no Node.js needed on PATH).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (await import('../../package.json', { with: { type: 'json' } })).default.version;

describe('the single executable (npm run build:sea)', () => {
  let dir: string;
  let exe: string;
  let env: NodeJS.ProcessEnv;
  let empty: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podsec-sea-'));
    exe = join(dir, 'podsec-play');
    // The build step of `npm run build:sea` after tsc (the suite runs after `npm run build`).
    await run(process.execPath, [join(root, 'dist', 'cli', 'sea', 'build-sea.js'), '--out', exe], { cwd: root, timeout: 240_000 });
    empty = join(dir, 'empty');
    mkdirSync(empty);
    // Its own HOME and cache; a PATH without any node.
    env = { HOME: join(dir, 'home'), XDG_CACHE_HOME: join(dir, 'cache'), PATH: '/usr/sbin:/sbin:/nonexistent', LANG: 'C.UTF-8' };
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sea = (args: string[], timeout = 60_000) => run(exe, args, { cwd: empty, env, timeout }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );

  it('is one executable file that prints its version', async () => {
    expect(statSync(exe).mode & 0o111).not.toBe(0);
    const r = await sea(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    expect(r.stderr).toBe('');
  });

  it('validates a shipped playbook with its example inventory from the files it carries', async () => {
    await sea(['--version']);
    const [unpacked] = readdirSync(join(dir, 'cache', 'podsec-play'));
    const files = join(dir, 'cache', 'podsec-play', unpacked!);
    const r = await sea(['validate', join(files, 'playbooks', 'cluster.yaml'), '-i', join(files, 'playbooks', 'examples', 'cluster.inventory.yaml'), '--no-secrets']);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/cluster\.yaml with .*cluster\.inventory\.yaml: valid \(\d+ phases, \d+ steps\)/);
    // and prints its schemas for an editor
    const schema = await sea(['schema', 'playbook']);
    expect(JSON.parse(schema.stdout).definitions.step.properties.uses.enum).toContain('kubeadm-init');
  });

  it('runs a lab stand-in as node, with no node on PATH', async () => {
    await sea(['--version']);
    const [unpacked] = readdirSync(join(dir, 'cache', 'podsec-play'));
    const files = join(dir, 'cache', 'podsec-play', unpacked!);
    expect(existsSync(join(files, 'bin', 'node'))).toBe(true);
    const r = await run(join(files, 'bin', 'node'), [join(files, 'lab', 'standins', 'kubectl.mjs'), 'version'], { env: { PATH: '/nonexistent' } }).catch((e: { code: number; stderr: string }) => e);
    // The stand-in itself answers: it refuses to run outside a lab node.
    expect(r).toMatchObject({ code: 127, stderr: expect.stringContaining('lab stand-in: LAB_DIR is not set') });
  });

  it('runs the demo end to end from an empty directory', async () => {
    const r = await sea(['demo', '--plain', '--dir', join(dir, 'lab')], 180_000);
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect(r.stdout).toContain('SSH sealed:         8 of 8 nodes refuse connections on their SSH port');
    expect(r.stdout).toContain('nodes Ready:        6 of 6');
    expect(r.stderr).toBe('');
    expect(readdirSync(empty)).toEqual([]);
  }, 200_000);
});

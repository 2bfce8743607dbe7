// Installed the way the README says: `npm pack`, then `npm install -g ./podsec-play-X.tgz` (into a
// temporary prefix, offline: the tarball carries its dependencies), then run from a directory
// outside the repository — --version, and validate of a shipped playbook with its example inventory.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (await import('../../package.json', { with: { type: 'json' } })).default.version;

describe('npm pack + npm install -g ./podsec-play-X.tgz', () => {
  let dir: string;
  let prefix: string;
  let elsewhere: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podsec-install-'));
    prefix = join(dir, 'prefix');
    elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    // --ignore-scripts: the suite has built dist already (pack would otherwise run prepare = build).
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, timeout: 120_000 });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBe(`podsec-play-${VERSION}.tgz`);
    await run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, tarball!)], { cwd: elsewhere, timeout: 240_000 });
  }, 400_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts podsec-play on the prefix’s bin and it runs from any directory', async () => {
    const bin = join(prefix, 'bin', 'podsec-play');
    const version = await run(bin, ['--version'], { cwd: elsewhere });
    expect(version.stdout).toBe(`${VERSION}\n`);
    const pkg = join(prefix, 'lib', 'node_modules', 'podsec-play');
    const validate = await run(bin, ['validate', join(pkg, 'playbooks', 'ha-cluster.yaml'), '-i', join(pkg, 'playbooks', 'examples', 'ha-cluster.inventory.yaml'), '--no-secrets'], { cwd: elsewhere });
    expect(validate.stdout).toMatch(/ha-cluster\.yaml with .*ha-cluster\.inventory\.yaml: valid \(11 phases, \d+ steps\)/);
    // nothing was written where it ran
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

// The engine's example playbook runs unchanged over SSH: against lab nodes (in-process ssh2
// servers) and against a real OpenSSH sshd. Fails, never skips, when sshd cannot start.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type RunningLab } from '../../lab/index.js';
import { parseEvents, runCli } from '../helpers/cli.js';
import { startBed, type Bed } from '../helpers/openssh.js';
import { workdir } from '../helpers/workdir.js';

const HELLO = fileURLToPath(new URL('../../playbooks/hello.yaml', import.meta.url));
/** Where hello.yaml stamps each host (its `stamp` var). */
const REAL_STAMP = '/tmp/podsec-play-hello';

describe('the example playbook over SSH', () => {
  let lab: RunningLab;
  let bed: Bed;
  const dir = workdir();

  beforeAll(async () => {
    lab = await startLab({ dir: join(dir, 'lab'), controlPlanes: 0, workers: 2, lbs: 0 });
    bed = await startBed('127.0.0.3');
  });
  afterAll(async () => {
    await lab?.stop();
    await bed?.stop();
    // The real sshd is this machine: hello.yaml's stamp directory was made on it.
    rmSync(REAL_STAMP, { recursive: true, force: true });
  });

  it('runs against lab nodes with nothing but the lab inventory, then resumes as all done', async () => {
    const first = await runCli(['run', HELLO, '-i', lab.inventoryFile, '--json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const succeeded = parseEvents(first.stdout).filter((e) => e.type === 'step.succeeded');
    expect(succeeded).toHaveLength(3 * 4);
    for (const node of lab.nodes) {
      expect(readFileSync(join(node.root, 'tmp/podsec-play-hello', node.name), 'utf8')).toBe(`hello from ${node.name}\n`);
    }
    const again = await runCli(['run', HELLO, '-i', lab.inventoryFile, '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(parseEvents(again.stdout).filter((e) => e.type === 'step.skipped')).toHaveLength(12);
  });

  it('runs against a real OpenSSH server', async () => {
    const inv = join(dir, 'sshd.yaml');
    writeFileSync(
      inv,
      `cluster: { name: real }\nssh: { identityFile: ${bed.key.privatePath}, knownHosts: ${bed.knownHosts} }\nhosts:\n  - { name: real-1, address: 127.0.0.3, port: ${bed.sshd.port} }\n`,
    );
    const r = await runCli(['run', HELLO, '-i', inv, '--json', '--fresh'], { cwd: dir });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const read = parseEvents(r.stdout).filter((e) => e.type === 'step.output' && e.step === 'read');
    expect(read.map((e) => (e as { line: string }).line)).toContain('hello from real-1');
  });

  it('stops a host with an unknown key, naming its fingerprint and the option that trusts it', async () => {
    const inv = join(dir, 'unknown.yaml');
    const empty = join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    writeFileSync(inv, `cluster: { name: real }\nssh: { identityFile: ${bed.key.privatePath}, knownHosts: ${empty} }\nhosts:\n  - { name: real-1, address: 127.0.0.3, port: ${bed.sshd.port} }\n`);
    const r = await runCli(['run', HELLO, '-i', inv, '--plain', '--state', join(dir, 'unknown.state')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect(r.stdout + r.stderr).toContain('--accept-new-host-keys');
    const ok = await runCli(['run', HELLO, '-i', inv, '--plain', '--accept-new-host-keys', '--state', join(dir, 'unknown.state')], { cwd: dir });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(readFileSync(empty, 'utf8')).toContain(`[127.0.0.3]:${bed.sshd.port}`);
  });
});

// End to end against a real sshd: unknown keys stop the host (with the fingerprint and the
// option that trusts them), --accept-new-host-keys records them, a changed key always stops,
// and hashed known_hosts entries are honoured.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlayError } from '../../../engine/errors.js';
import { createSshTransport } from '../../../engine/transport/ssh/index.js';
import { keygen, secretsOf, startBed, testHost, testInventory, type Bed } from '../../helpers/openssh.js';

const run = promisify(execFile);

describe('SSH transport against OpenSSH: host keys', () => {
  let bed: Bed;
  let fingerprint: string;
  const savedAgent = process.env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    bed = await startBed('127.0.0.6');
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(bed.sshd.dir, 'ssh_host_ed25519_key.pub')]);
    fingerprint = stdout.split(/\s+/)[1] ?? '';
    expect(fingerprint).toMatch(/^SHA256:/);
  });

  afterAll(async () => {
    await bed?.stop();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  async function tryConnect(knownHostsText: string | undefined, acceptNewHostKeys: boolean, file = 'kh') {
    const knownHosts = join(bed.dir, file);
    if (knownHostsText !== undefined) await writeFile(knownHosts, knownHostsText);
    const host = testHost('hk-1', bed.sshd);
    const inventory = testInventory(bed.dir, [host], { identityFile: bed.key.privatePath, knownHosts });
    const logs: string[] = [];
    const t = createSshTransport(host, inventory, {
      secrets: secretsOf({}),
      acceptNewHostKeys,
      inventoryHosts: [host],
      inventoryDir: bed.dir,
      sshConfigFile: '/nonexistent/ssh_config',
      onLog: (m) => logs.push(m),
    });
    try {
      const r = await t.exec('echo in');
      return { ok: r.stdout === 'in\n', logs, knownHosts };
    } catch (err) {
      return { err: err as PlayError, logs, knownHosts };
    } finally {
      await t.close();
    }
  }

  it('refuses an unknown host key with its SHA256 fingerprint and the option that trusts it', async () => {
    const r = await tryConnect('', false);
    expect(r.err).toBeInstanceOf(PlayError);
    expect(r.err).toMatchObject({ code: 'E_HOSTKEY', host: 'hk-1', retryable: false });
    expect(r.err?.message).toContain(fingerprint);
    expect(r.err?.message).toContain('--accept-new-host-keys');
    expect(r.err?.message).toContain(`[127.0.0.6]:${bed.sshd.port}`);
    expect(await readFile(r.knownHosts, 'utf8')).toBe('');
  });

  it('records an unknown key with acceptNewHostKeys, and trusts it from then on', async () => {
    const first = await tryConnect(undefined, true, 'kh-new/known_hosts');
    expect(first.ok).toBe(true);
    const text = await readFile(first.knownHosts, 'utf8');
    expect(text).toBe(`[127.0.0.6]:${bed.sshd.port} ${bed.sshd.hostKeyType} ${bed.sshd.hostKeyBase64}\n`);
    expect(first.logs.some((l) => l.includes('recorded new host key') && l.includes(fingerprint))).toBe(true);
    const second = await tryConnect(undefined, false, 'kh-new/known_hosts');
    expect(second.ok).toBe(true);
  });

  it('stops on a changed key, even with acceptNewHostKeys', async () => {
    const other = await keygen(join(bed.dir, 'other_host_key'));
    const [type, b64] = other.publicLine.split(' ');
    const r = await tryConnect(`# comment\n[127.0.0.6]:${bed.sshd.port} ${type} ${b64}\n`, true);
    expect(r.err).toMatchObject({ code: 'E_HOSTKEY', host: 'hk-1', retryable: false });
    expect(r.err?.message).toContain('HOST KEY CHANGED');
    expect(r.err?.message).toContain(fingerprint);
    expect(r.err?.message).toContain(':2 ');
    expect(await readFile(r.knownHosts, 'utf8')).not.toContain(bed.sshd.hostKeyBase64);
  });

  it('treats a key of a type never recorded for the host as changed', async () => {
    const rsa = await keygen(join(bed.dir, 'rsa_host_key'), { type: 'rsa' });
    const [type, b64] = rsa.publicLine.split(' ');
    const r = await tryConnect(`[127.0.0.6]:${bed.sshd.port} ${type} ${b64}\n`, true);
    expect(r.err).toMatchObject({ code: 'E_HOSTKEY' });
    expect(r.err?.message).toContain('HOST KEY CHANGED');
  });

  it('accepts a hashed known_hosts entry written by ssh-keygen -H', async () => {
    const file = join(bed.dir, 'kh-hashed');
    await writeFile(file, `${bed.sshd.knownHostsLine()}\n`);
    await run('ssh-keygen', ['-H', '-f', file]);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('|1|')).toBe(true);
    expect(text).not.toContain('127.0.0.6');
    const r = await tryConnect(undefined, false, 'kh-hashed');
    expect(r.ok).toBe(true);
  });

  it('stops on a hashed entry that records a different key', async () => {
    const other = await keygen(join(bed.dir, 'other2_host_key'));
    const [type, b64] = other.publicLine.split(' ');
    const file = join(bed.dir, 'kh-hashed-other');
    await writeFile(file, `[127.0.0.6]:${bed.sshd.port} ${type} ${b64}\n`);
    await run('ssh-keygen', ['-H', '-f', file]);
    const r = await tryConnect(undefined, false, 'kh-hashed-other');
    expect(r.err?.message).toContain('HOST KEY CHANGED');
  });

  it('refuses a key marked @revoked', async () => {
    const r = await tryConnect(
      `${bed.sshd.knownHostsLine()}\n@revoked * ${bed.sshd.hostKeyType} ${bed.sshd.hostKeyBase64}\n`,
      true,
    );
    expect(r.err).toMatchObject({ code: 'E_HOSTKEY' });
    expect(r.err?.message).toContain('@revoked');
  });
});

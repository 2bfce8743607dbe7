// The authentication plan: key files in order, a passphrase from a secret or typed once on the
// terminal, agent and password methods, and an authHandler that skips what the server refuses.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authError, authHandler, planAuth } from '../../../engine/transport/ssh/auth.js';
import type { Endpoint } from '../../../engine/transport/ssh/route.js';
import { secretsOf } from '../../helpers/openssh.js';

const run = promisify(execFile);

describe('planAuth', () => {
  let dir: string;
  let encrypted: string;
  let plain: string;
  const savedAgent = process.env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    dir = await mkdtemp(join(tmpdir(), 'podsec-authplan-'));
    encrypted = join(dir, 'enc');
    plain = join(dir, 'plain');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'typed-pass', '-f', encrypted]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', plain]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  const endpoint = (extra: Partial<Endpoint>): Endpoint => ({
    label: 'h',
    hostname: '127.0.0.1',
    port: 22,
    user: 'root',
    identityFiles: [],
    useAgent: true,
    knownHostsFile: '/kh',
    connectTimeoutMs: 1000,
    ...extra,
  });

  function fakeTty() {
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
    const output = new PassThrough();
    let written = '';
    output.on('data', (c: Buffer) => (written += c.toString()));
    const prompted = new Promise<void>((resolve) => output.once('data', () => resolve()));
    return { tty: { input, output }, input, prompted, written: () => written };
  }

  it('asks for an encrypted key\'s passphrase on the terminal once, without echo', async () => {
    const t = fakeTty();
    const ep = endpoint({ identityFiles: [{ path: encrypted, optional: false }] });
    const planning = planAuth(ep, { secrets: secretsOf({}), tty: t.tty });
    // The prompt appears, then the passphrase is typed.
    await t.prompted;
    t.input.write('typed-pass\r');
    const plan = await planning;
    expect(plan.entries.map((e) => e.description)).toEqual([`publickey ${encrypted}`]);
    expect(t.written()).toBe(`Enter passphrase for key ${encrypted}: \n`);
    // Another host using the same key is not asked again.
    const again = await planAuth(ep, { secrets: secretsOf({}), tty: fakeTty().tty });
    expect(again.entries).toHaveLength(1);
  });

  it('orders keys, then the agent, then password methods, and notes what it skipped', async () => {
    process.env.SSH_AUTH_SOCK = '/nonexistent/agent.sock';
    try {
      const plan = await planAuth(
        endpoint({
          identityFiles: [
            { path: plain, optional: false },
            { path: join(dir, 'missing'), optional: false },
            { path: join(dir, 'missing-default'), optional: true },
          ],
          passwordSecret: 'PW',
        }),
        { secrets: secretsOf({ PW: 'pw-value' }), tty: undefined },
      );
      expect(plan.entries.map((e) => e.method.type)).toEqual(['publickey', 'agent', 'password', 'keyboard-interactive']);
      expect(plan.skipped).toEqual([`publickey ${join(dir, 'missing')}: cannot read (ENOENT)`]);
      expect(JSON.stringify(plan.entries.map((e) => e.description))).not.toContain('pw-value');
    } finally {
      delete process.env.SSH_AUTH_SOCK;
    }
  });

  it('names a missing password secret', async () => {
    const plan = await planAuth(endpoint({ passwordSecret: 'NOPE', useAgent: false }), { secrets: secretsOf({}), tty: undefined });
    expect(plan.entries).toEqual([]);
    expect(plan.skipped).toEqual(['password: secret NOPE is not set']);
  });

  it('walks the plan, skipping methods the server does not offer, then gives up', async () => {
    const plan = await planAuth(endpoint({ identityFiles: [{ path: plain, optional: false }], passwordSecret: 'PW', useAgent: false }), {
      secrets: secretsOf({ PW: 'x' }),
      tty: undefined,
    });
    const tried: string[] = [];
    const next: unknown[] = [];
    const handler = authHandler(plan, tried);
    handler(null as unknown as [], false, (m) => next.push(m));
    handler(['keyboard-interactive'], false, (m) => next.push(m));
    handler(['keyboard-interactive'], false, (m) => next.push(m));
    expect(tried).toEqual([`publickey ${plain}`, 'keyboard-interactive (secret PW)']);
    expect(next.at(-1)).toBe(false);
  });

  it('with no key at all, the error names the default keys looked for and what to set', async () => {
    const missing = join(dir, 'id_ed25519-not-there');
    const ep = endpoint({ identityFiles: [{ path: missing, optional: true }], useAgent: false });
    const plan = await planAuth(ep, { secrets: secretsOf({}), tty: undefined });
    expect(plan.entries).toEqual([]);
    const err = authError({ host: 'h1', hop: ep, jump: false }, plan, []);
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain(`no key file found (looked for ${missing})`);
    expect(err.message).toContain('set ssh.identityFile to a private key, start ssh-agent (SSH_AUTH_SOCK), or set ssh.passwordSecret');
  });
});

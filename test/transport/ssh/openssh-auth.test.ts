// End to end against a real sshd: key files (plain and encrypted), ssh-agent, errors that
// list what was tried without secrets, connection errors, and ~/.ssh/config aliases.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlayError } from '../../../engine/errors.js';
import type { Host, SshSettings } from '../../../engine/model.js';
import type { SecretSource } from '../../../engine/secrets/store.js';
import { createSshTransport } from '../../../engine/transport/ssh/index.js';
import {
  freePort,
  keygen,
  secretsOf,
  startAgent,
  startSshd,
  tempDir,
  testHost,
  testInventory,
  type KeyPair,
  type Sshd,
} from '../../helpers/openssh.js';

describe('SSH transport against OpenSSH: authentication', () => {
  let dir: string;
  let sshd: Sshd;
  let plain: KeyPair;
  let encrypted: KeyPair;
  let agentOnly: KeyPair;
  let stranger: KeyPair;
  let knownHosts: string;
  const savedAgent = process.env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    dir = await tempDir('auth');
    plain = await keygen(join(dir, 'id_plain'));
    encrypted = await keygen(join(dir, 'id_encrypted'), { passphrase: 'correct horse battery' });
    agentOnly = await keygen(join(dir, 'id_agent'));
    stranger = await keygen(join(dir, 'id_stranger'));
    sshd = await startSshd({
      address: '127.0.0.7',
      authorizedKeys: [plain.publicLine, encrypted.publicLine, agentOnly.publicLine],
    });
    knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${sshd.knownHostsLine()}\n`);
  });

  afterAll(async () => {
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
    else delete process.env.SSH_AUTH_SOCK;
  });

  async function attempt(ssh: SshSettings, secrets: SecretSource = secretsOf({}), host: Host = testHost('auth-1', sshd), sshConfigFile = '/nonexistent/ssh_config') {
    const inventory = testInventory(dir, [host], { knownHosts, agent: false, ...ssh });
    const t = createSshTransport(host, inventory, {
      secrets,
      acceptNewHostKeys: false,
      inventoryHosts: [host],
      inventoryDir: dir,
      sshConfigFile,
    });
    try {
      const r = await t.exec('id -un');
      return { user: r.stdout.trim() };
    } catch (err) {
      return { err: err as PlayError };
    } finally {
      await t.close();
    }
  }

  it('logs in with a plain key file', async () => {
    expect(await attempt({ identityFile: plain.privatePath })).toEqual({ user: 'root' });
  });

  it('opens an encrypted key with the passphrase from a secret', async () => {
    const r = await attempt(
      { identityFile: encrypted.privatePath, passphraseSecret: 'KEY_PASS' },
      secretsOf({ KEY_PASS: 'correct horse battery' }),
    );
    expect(r).toEqual({ user: 'root' });
  });

  it('says an encrypted key has no passphrase when there is no secret and no terminal', async () => {
    const r = await attempt({ identityFile: encrypted.privatePath });
    expect(r.err).toMatchObject({ code: 'E_AUTH', host: 'auth-1', retryable: false });
    expect(r.err?.message).toContain('encrypted');
    expect(r.err?.message).toContain('passphraseSecret');
  });

  it('names a wrong passphrase secret without showing it', async () => {
    const r = await attempt(
      { identityFile: encrypted.privatePath, passphraseSecret: 'KEY_PASS' },
      secretsOf({ KEY_PASS: 'wrong-passphrase-value' }),
    );
    expect(r.err).toMatchObject({ code: 'E_AUTH' });
    expect(r.err?.message).toContain('KEY_PASS');
    expect(r.err?.message).not.toContain('wrong-passphrase-value');
  });

  it('lists the methods tried when every one fails, never the key itself', async () => {
    const r = await attempt({ identityFile: stranger.privatePath });
    expect(r.err).toBeInstanceOf(PlayError);
    expect(r.err).toMatchObject({ code: 'E_AUTH', host: 'auth-1', retryable: false });
    expect(r.err?.message).toContain(`root@127.0.0.7:${sshd.port}`);
    expect(r.err?.message).toContain(`publickey ${stranger.privatePath}`);
    // and what to do about it
    expect(r.err?.message).toContain(
      `the server refused these keys for root: add ${stranger.privatePath}.pub to ~root/.ssh/authorized_keys on 127.0.0.7 (ssh-copy-id -i ${stranger.privatePath}.pub root@127.0.0.7 does it), or point ssh.identityFile at a key it accepts`,
    );
    const keyText = await readFile(stranger.privatePath, 'utf8');
    const body = keyText.split('\n')[1] ?? '';
    expect(body.length).toBeGreaterThan(20);
    expect(r.err?.message).not.toContain(body);
  });

  it('logs in through ssh-agent (SSH_AUTH_SOCK) when the key file is not accepted', async () => {
    const agent = await startAgent(dir, [agentOnly.privatePath]);
    process.env.SSH_AUTH_SOCK = agent.socket;
    try {
      const r = await attempt({ identityFile: stranger.privatePath, agent: true });
      expect(r).toEqual({ user: 'root' });
      const off = await attempt({ identityFile: stranger.privatePath, agent: false });
      expect(off.err).toMatchObject({ code: 'E_AUTH' });
    } finally {
      delete process.env.SSH_AUTH_SOCK;
      await agent.stop();
    }
  });

  it('reports a refused connection as a retryable E_CONNECT naming the host and port', async () => {
    const port = await freePort('127.0.0.7');
    const host = testHost('auth-refused', { address: '127.0.0.7', port });
    const r = await attempt({ identityFile: plain.privatePath }, secretsOf({}), host);
    expect(r.err).toMatchObject({ code: 'E_CONNECT', host: 'auth-refused', retryable: true });
    expect(r.err?.message).toContain('refused');
    expect(r.err?.message).toContain(`127.0.0.7:${port}`);
  });

  it('honours an ssh config alias (HostName, Port, User, IdentityFile)', async () => {
    const config = join(dir, 'ssh_config');
    await writeFile(
      config,
      [
        'Host other',
        '  HostName 127.0.0.99',
        'Host e2e-*  !e2e-nope',
        '  HostName 127.0.0.7',
        `  Port ${sshd.port}`,
        '  User root',
        `  IdentityFile ${plain.privatePath}`,
        'Host *',
        '  Port 1',
        '',
      ].join('\n'),
    );
    const host: Host = { ...testHost('aliased', { address: 'e2e-alias', port: 22 }) };
    const r = await attempt({}, secretsOf({}), host, config);
    expect(r).toEqual({ user: 'root' });
  });
});

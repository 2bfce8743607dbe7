// End to end against a real sshd: a connection cut mid-step (its sshd session process killed)
// fails that exec with a retryable E_CONNECT and the next exec reconnects; a frozen peer is
// noticed by keepalive instead of hanging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlayError } from '../../../engine/errors.js';
import type { Host, Inventory } from '../../../engine/model.js';
import { createSshTransport } from '../../../engine/transport/ssh/index.js';
import { descendants, killQuietly, killSessions, secretsOf, startBed, testHost, testInventory, type Bed } from '../../helpers/openssh.js';

describe('SSH transport against OpenSSH: dropped connections', () => {
  let bed: Bed;
  let host: Host;
  let inventory: Inventory;
  const savedAgent = process.env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    bed = await startBed('127.0.0.10');
    host = testHost('drop-1', bed.sshd);
    inventory = testInventory(bed.dir, [host], { identityFile: './id_ed25519', knownHosts: './known_hosts' });
  });

  afterAll(async () => {
    await bed?.stop();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  function open(logs: string[], keepaliveIntervalMs?: number) {
    return createSshTransport(host, inventory, {
      secrets: secretsOf({}),
      acceptNewHostKeys: false,
      inventoryHosts: [host],
      inventoryDir: bed.dir,
      sshConfigFile: '/nonexistent/ssh_config',
      onLog: (m) => logs.push(m),
      ...(keepaliveIntervalMs ? { keepaliveIntervalMs } : {}),
    });
  }

  it('fails the running exec with a retryable E_CONNECT and reconnects on the next one', async () => {
    const logs: string[] = [];
    const t = open(logs);
    try {
      let killed = 0;
      const pending = t.exec('echo started; sleep 30; echo never', {
        onLine: (line) => {
          if (line === 'started') void killSessions(bed.sshd).then((n) => (killed = n));
        },
      });
      const err = await pending.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(killed).toBeGreaterThan(0);
      expect(err).toBeInstanceOf(PlayError);
      expect(err).toMatchObject({ code: 'E_CONNECT', retryable: true, host: 'drop-1' });
      expect((err as Error).message).toContain('drop-1');

      const again = await t.exec('echo back');
      expect(again.stdout).toBe('back\n');
      expect(logs.some((l) => l.startsWith('connection lost'))).toBe(true);
      expect(logs.some((l) => l.startsWith('reconnected to'))).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('notices a frozen server by keepalive and fails with a retryable E_CONNECT', async () => {
    const logs: string[] = [];
    const t = open(logs, 200);
    const frozen: number[] = [];
    try {
      await t.exec('true');
      const pending = t.exec('echo started; sleep 30', {
        onLine: (line) => {
          if (line !== 'started') return;
          void bed.sshd.sessionPids().then(async (pids) => {
            for (const pid of pids) {
              process.kill(pid, 'SIGSTOP');
              frozen.push(pid, ...(await descendants(pid)));
            }
          });
        },
      });
      const err = await pending.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(frozen.length).toBeGreaterThan(0);
      expect(err).toMatchObject({ code: 'E_CONNECT', retryable: true, host: 'drop-1' });
      expect((err as Error).message).toContain('keepalive');
    } finally {
      for (const pid of frozen) killQuietly(pid, 'SIGKILL');
      await t.close();
    }
  });
});

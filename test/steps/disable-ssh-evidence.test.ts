// disable-ssh seals only on evidence and records a seal only on proof (issue 10, items 1 and 2),
// step by step against a fake context: the controller's port probe is scripted, so each case
// says exactly what the controller saw before and after the seal command.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { PlayError } from '../../engine/errors.js';
import { disableSshStep, SEAL_COMMAND } from '../../steps/disable-ssh.js';
import type { ProbeResult } from '../../steps/lib/tcp-probe.js';
import { fakeWorld, haInventory, type FakeWorld } from './fake-context.js';

const probes = vi.hoisted(() => ({ seen: [] as ProbeResult[], calls: 0 }));
vi.mock('../../steps/lib/tcp-probe.js', () => ({
  // Each probe takes the next scripted answer; the last one repeats.
  probeTcp: vi.fn(async () => {
    probes.calls++;
    return probes.seen.length > 1 ? probes.seen.shift()! : probes.seen[0]!;
  }),
}));

const NODES = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'];
const allReady = JSON.stringify({ items: NODES.map((name) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True' }] } })) });

function healthy(w: FakeWorld, cp = 'cp-1'): void {
  w.on(cp).on('kubectl get nodes -o json', { stdout: allReady });
  w.on(cp).on(/^curl -sSfk --max-time 10 https:\/\/10\.0\.3\.100:8443\/readyz$/, { stdout: 'ok' });
}

const sent = (w: FakeWorld) => w.calls.some((c) => c.command === SEAL_COMMAND);

beforeEach(() => {
  probes.seen = [];
  probes.calls = 0;
});

describe('disable-ssh: a port that refuses connections is no seal by itself', () => {
  it('no run sent the seal command: a retryable failure saying what was seen; nothing sent, not recorded', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    healthy(w);
    probes.seen = ['refused'];
    const err = await disableSshStep.run(w.ctx, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlayError);
    expect(err).toMatchObject({ code: 'E_STEP', retryable: true, host: 'worker-1' });
    expect((err as Error).message).toMatch(/not sealed: 127\.0\.0\.1:\d+ refuses connections, but no run has sent the seal command to worker-1/);
    expect((err as Error).message).toMatch(/Not recorded as sealed/);
    expect(sent(w)).toBe(false);
    expect(w.sealSent.size).toBe(0);
  });

  it('the journal shows the command was sent (an attempt cut short after sshd stopped): recorded, nothing run again', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    w.sealSent.add('worker-1');
    probes.seen = ['refused'];
    expect(await disableSshStep.run(w.ctx, {})).toMatchObject({ sealed: 'true' });
    expect(w.calls).toEqual([]);
  });

  it('the seal command is written ahead in the journal, after the health check and before it is sent', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    healthy(w);
    probes.seen = ['open', 'refused'];
    expect(await disableSshStep.run(w.ctx, {})).toMatchObject({ sealed: 'true' });
    const order = w.calls.map((c) => c.command);
    const journaled = order.indexOf('<journal: seal command sent>');
    expect(journaled).toBeGreaterThan(order.findIndex((c) => c.includes('/readyz')));
    expect(journaled).toBeLessThan(order.indexOf(SEAL_COMMAND));
  });

  it.each<[ProbeResult, RegExp]>([
    ['timeout', /last seen: connections time out/],
    ['unreachable', /last seen: the address is unreachable/],
    ['open', /last seen: it still accepts connections/],
  ])('after the seal command, a port that answers "%s" is no proof: not recorded, retryable, says what was seen', async (after, said) => {
    const w = fakeWorld(haInventory(), 'worker-1');
    healthy(w);
    probes.seen = ['open', after];
    const err = await disableSshStep.run(w.ctx, { verifyTimeout: '600ms' }).catch((e: unknown) => e);
    expect(sent(w)).toBe(true);
    expect(err).toMatchObject({ code: 'E_STEP', retryable: true });
    expect((err as Error).message).toMatch(/the seal command was sent to worker-1, but 127\.0\.0\.1:\d+ did not start refusing connections within 600ms/);
    expect((err as Error).message).toMatch(said);
  });
});

describe('disable-ssh: never while the cluster health is unknown', () => {
  it('every control plane unreachable: nothing is sealed, and the failure names each one', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    for (const cp of ['cp-1', 'cp-2', 'cp-3']) {
      w.on(cp).exec = async () => {
        throw new PlayError(`${cp}: connect ECONNREFUSED`, { code: 'E_CONNECT', host: cp, retryable: true });
      };
    }
    probes.seen = ['open'];
    const err = await disableSshStep.run(w.ctx, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_STEP', retryable: true });
    expect((err as Error).message).toMatch(/not sealing worker-1: the cluster's health cannot be verified right now \(cp-1: .*ECONNREFUSED; cp-2: .*; cp-3: .*\)\. SSH left on\./);
    expect(sent(w)).toBe(false);
    expect(w.sealSent.size).toBe(0);
  });

  it('nodes Ready but the API not answering through the control-plane endpoint: nothing is sealed', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    for (const cp of ['cp-1', 'cp-2', 'cp-3']) {
      w.on(cp).on('kubectl get nodes -o json', { stdout: allReady });
      w.on(cp).on(/\/readyz/, { exitCode: 7, stderr: "curl: (7) Failed to connect to 10.0.3.100 port 8443 after 0 ms: Couldn't connect to server" });
    }
    probes.seen = ['open'];
    const err = await disableSshStep.run(w.ctx, {}).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cp-1: the API does not answer through 10\.0\.3\.100:8443 \(curl exited 7: curl: \(7\) Failed to connect/);
    expect(sent(w)).toBe(false);
  });

  it('a control plane that cannot answer is passed over for the next one', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    w.on('cp-1').exec = async () => {
      throw new PlayError('SSH on cp-1 was turned off by run R at T', { code: 'E_SEALED', host: 'cp-1' });
    };
    healthy(w, 'cp-2');
    probes.seen = ['open', 'refused'];
    expect(await disableSshStep.run(w.ctx, {})).toMatchObject({ sealed: 'true' });
    expect(w.logs.join('\n')).toMatch(/every node Ready and the API answering through 10\.0\.3\.100:8443, asked on cp-2: sealing worker-1/);
  });
});

describe('disable-ssh: the order hosts are sealed in', () => {
  it('control planes after the other hosts, and the master last of all', () => {
    const inv = haInventory();
    const rank = (name: string) => disableSshStep.sealOrder!(inv.hosts.find((h) => h.name === name)!);
    expect(['lb-1', 'worker-1', 'cp-2', 'cp-1'].map(rank)).toEqual([0, 0, 1, 2]);
  });
});

// kubectl-apply (bounded), wait-nodes-ready (polls until Ready) and disable-ssh (seals only a
// healthy cluster, proves from the controller that the port closed; a real listener on
// 127.0.0.1 stands for sshd).
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { disableSshStep, SEAL_COMMAND } from '../../steps/disable-ssh.js';
import { kubectlApplyStep } from '../../steps/kubectl-apply.js';
import { waitNodesReadyStep } from '../../steps/wait-nodes-ready.js';
import { fakeWorld, haInventory, singleInventory, type FakeWorld } from './fake-context.js';

function nodesJson(ready: Record<string, boolean>): string {
  return JSON.stringify({
    kind: 'NodeList',
    items: Object.entries(ready).map(([name, r]) => ({
      metadata: { name },
      status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: r ? 'True' : 'False' }] },
    })),
  });
}

const ALL_HA = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'];

describe('kubectl-apply', () => {
  it('applies the flannel manifest with a bounded timeout (default 5m)', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    await kubectlApplyStep.run(w.ctx, {});
    const call = w.calls.find((c) => c.command.startsWith('kubectl apply'))!;
    expect(call.command).toBe('kubectl apply -f /etc/kubernetes/manifests/kube-flannel.yml');
    expect(call.options.timeoutMs).toBe(300_000);
    const w2 = fakeWorld(singleInventory(), 'cp-1');
    await kubectlApplyStep.run(w2.ctx, { manifest: 'https://example.test/kube-flannel.yml', timeout: '90s' });
    expect(w2.calls[0]!.options.timeoutMs).toBe(90_000);
  });

  it('is done when the flannel daemonset exists; a manifest without a check always applies', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    w.self.on('kubectl get daemonset/kube-flannel-ds -n kube-flannel', { exitCode: 1 });
    expect(await kubectlApplyStep.check!(w.ctx, {})).toEqual({ done: false });
    w.self.first('kubectl get daemonset/kube-flannel-ds -n kube-flannel', { exitCode: 0 });
    expect(await kubectlApplyStep.check!(w.ctx, {})).toMatchObject({ done: true });
    expect(await kubectlApplyStep.check!(w.ctx, { manifest: '/srv/app.yaml' })).toEqual({ done: false });
  });

  it('a timed-out apply fails the step as E_TIMEOUT', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    w.self.on(/^kubectl apply/, { timedOut: true });
    await expect(kubectlApplyStep.run(w.ctx, {})).rejects.toMatchObject({ code: 'E_TIMEOUT' });
  });
});

describe('wait-nodes-ready', () => {
  it('polls until every inventory node is Ready', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    const answers = [
      { exitCode: 1, stderr: 'The connection to the server was refused' },
      { stdout: nodesJson({ 'cp-1': true, 'cp-2': true }) },
      { stdout: nodesJson(Object.fromEntries(ALL_HA.map((n) => [n, n !== 'worker-2']))) },
      { stdout: nodesJson(Object.fromEntries(ALL_HA.map((n) => [n, true]))) },
    ];
    let i = 0;
    w.self.on('kubectl get nodes -o json', () => answers[Math.min(i++, answers.length - 1)]!);
    const out = await waitNodesReadyStep.run(w.ctx, { interval: '5ms' });
    expect(i).toBe(4);
    expect(out).toEqual({ ready: '5', nodes: ALL_HA.join(',') });
  });

  it('fails (retryably) at the deadline naming the nodes not Ready', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    w.self.on('kubectl get nodes -o json', { stdout: nodesJson(Object.fromEntries(ALL_HA.map((n) => [n, n !== 'worker-2']))) });
    await expect(waitNodesReadyStep.run(w.ctx, { timeout: '50ms', interval: '5ms' })).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('not Ready: worker-2'),
    });
  });

  it('uses vars.nodeName when a host is known to Kubernetes by another name', async () => {
    const inv = singleInventory();
    inv.hosts[1]!.vars['nodeName'] = 'w1.example';
    const w = fakeWorld(inv, 'cp-1');
    w.self.on('kubectl get nodes -o json', { stdout: nodesJson({ 'cp-1': true, 'w1.example': true }) });
    expect(await waitNodesReadyStep.run(w.ctx, { interval: '5ms' })).toEqual({ ready: '2', nodes: 'cp-1,w1.example' });
  });
});

describe('disable-ssh', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server?.listening) await new Promise((r) => server!.close(r));
    server = undefined;
  });

  async function sshd(): Promise<number> {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  async function world(hostName: string, o: { keepSsh?: boolean; attempt?: number } = {}): Promise<FakeWorld> {
    const port = await sshd();
    const inv = haInventory();
    for (const h of inv.hosts) h.port = port;
    const w = fakeWorld(inv, hostName, o);
    w.self.on(SEAL_COMMAND, () => {
      server!.close();
      return {};
    });
    return w;
  }

  it('declares that it seals the host', () => {
    expect(disableSshStep.sealsHost).toBe(true);
  });

  it('checks Ready on a control plane, stops sshd detached, and proves from the controller that the port closed', async () => {
    const w = await world('worker-1');
    w.on('cp-1').on('kubectl get nodes -o json', { stdout: nodesJson(Object.fromEntries(ALL_HA.map((n) => [n, true]))) });
    const out = await disableSshStep.run(w.ctx, { verifyTimeout: '5s' });
    expect(out!.sealed).toBe('true');
    expect(Date.parse(out!.at as string)).not.toBeNaN();
    expect(server!.listening).toBe(false);
    const seal = w.calls.find((c) => c.command === SEAL_COMMAND)!;
    expect(seal.viaContext).toBe(true);
    expect(SEAL_COMMAND).toMatch(/^nohup sh -c '.*systemctl disable --now sshd \|\| systemctl disable --now ssh' <\/dev\/null >\/dev\/null 2>&1 &$/);
    expect(w.calls.findIndex((c) => c.host === 'cp-1')).toBeLessThan(w.calls.indexOf(seal));
  });

  it('a control plane asks itself first', async () => {
    const w = await world('cp-2');
    w.self.on('kubectl get nodes -o json', { stdout: nodesJson(Object.fromEntries(ALL_HA.map((n) => [n, true]))) });
    await disableSshStep.run(w.ctx, {});
    expect(w.calls.some((c) => c.host === 'cp-1')).toBe(false);
  });

  it('does not seal while a node is not Ready', async () => {
    const w = await world('worker-1');
    w.on('cp-1').on('kubectl get nodes -o json', { stdout: nodesJson({ ...Object.fromEntries(ALL_HA.map((n) => [n, true])), 'worker-2': false }) });
    await expect(disableSshStep.run(w.ctx, {})).rejects.toThrow(/not sealing worker-1: nodes not Ready \(worker-2\), asked on cp-1/);
    expect(w.calls.some((c) => c.command === SEAL_COMMAND)).toBe(false);
    expect(server!.listening).toBe(true);
  });

  it('skips sealed control planes and asks the next one', async () => {
    const w = await world('worker-1');
    w.on('cp-1').exec = async () => {
      throw new Error('SSH was turned off on cp-1');
    };
    w.on('cp-2').on('kubectl get nodes -o json', { stdout: nodesJson(Object.fromEntries(ALL_HA.map((n) => [n, true]))) });
    await disableSshStep.run(w.ctx, {});
    expect(w.logs.join('\n')).toMatch(/asked on cp-2/);
  });

  it('fails when the port still accepts connections after the stop', async () => {
    const w = await world('worker-1');
    w.self.first(SEAL_COMMAND, {});
    w.on('cp-1').on('kubectl get nodes -o json', { stdout: nodesJson(Object.fromEntries(ALL_HA.map((n) => [n, true]))) });
    await expect(disableSshStep.run(w.ctx, { verifyTimeout: '300ms' })).rejects.toMatchObject({ code: 'E_STEP', retryable: true });
  });

  it('keeps SSH on with --keep-ssh: deferred to a later run, nothing runs', async () => {
    const w = await world('worker-1', { keepSsh: true });
    expect(await disableSshStep.check!(w.ctx, {})).toEqual({ done: true, deferred: true, reason: expect.stringContaining('SSH kept on') });
    expect(w.calls).toEqual([]);
  });

  it('a port that already refuses connections after an earlier attempt sent the seal command: recorded, nothing run', async () => {
    const w = await world('worker-1');
    w.sealSent.add('worker-1');
    server!.close();
    const out = await disableSshStep.run(w.ctx, {});
    expect(out).toMatchObject({ sealed: 'true' });
    expect(w.calls).toEqual([]);
    expect(w.logs.join('\n')).toMatch(/already off/);
  });

  it('its check never skips a seal that should happen: a finished seal is recorded by the step succeeding', async () => {
    const w = await world('worker-1');
    expect(await disableSshStep.check!(w.ctx, {})).toEqual({ done: false });
    expect(w.calls).toEqual([]);
  });
});

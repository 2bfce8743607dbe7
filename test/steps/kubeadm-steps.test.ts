// kubeadm-init, join-material and kubeadm-join against a scripted node: once-only semantics,
// the reset + `y` only after our own half-finished attempt, HA flags, secrets kept off the
// command lines.
import { describe, expect, it } from 'vitest';
import { joinMaterialStep } from '../../steps/join-material.js';
import { kubeadmInitStep } from '../../steps/kubeadm-init.js';
import { kubeadmJoinStep } from '../../steps/kubeadm-join.js';
import { decideInit, decideJoin, initArgv, joinArgv } from '../../steps/lib/kubeadm.js';
import { NODE_STATE_COMMAND, parseNodeState } from '../../steps/lib/u7s.js';
import { CA_HEX, CERT_KEY, TOKEN, fakeWorld, haInventory, joinOutput, shownCommands, singleInventory, type FakeWorld } from './fake-context.js';

const FRESH = '';
const HALF_INIT = 'etcd-member init-started';
const DONE_INIT = 'admin-conf kubelet-conf etcd-member u7s-enabled';
const DONE_JOIN = 'kubelet-conf u7s-enabled';

function nodeState(w: FakeWorld, ...states: string[]): void {
  let i = 0;
  w.self.on(NODE_STATE_COMMAND, () => ({ stdout: states[Math.min(i++, states.length - 1)] ?? '' }));
}

function commandsOn(w: FakeWorld, host: string): string[] {
  return w.calls.filter((c) => c.host === host).map((c) => c.command);
}

function expectNoSecretShown(w: FakeWorld, secrets: string[]): void {
  for (const cmd of w.calls.map((c) => c.command)) for (const s of secrets) expect(cmd).not.toContain(s);
  for (const line of [...shownCommands(w), ...w.logs]) for (const s of secrets) expect(line).not.toContain(s);
}

describe('decisions', () => {
  it.each([
    [FRESH, 'run', false],
    [HALF_INIT, 'run', true],
    ['admin-conf kubelet-conf init-started', 'run', true],
    [DONE_INIT, 'skip', undefined],
    ['etcd-member', 'refuse', undefined],
    ['admin-conf kubelet-conf', 'refuse', undefined],
  ])('init on a node with [%s] → %s (reset first: %s)', (state, action, resetFirst) => {
    const d = decideInit(parseNodeState(state));
    expect(d.action).toBe(action);
    if (d.action === 'run') expect(d.resetFirst).toBe(resetFirst);
  });

  it.each([
    [FRESH, 'run'],
    [DONE_JOIN, 'skip'],
    ['kubelet-conf join-started', 'run'],
    ['kubelet-conf', 'refuse'],
  ])('join on a node with [%s] → %s', (state, action) => {
    expect(decideJoin(parseNodeState(state)).action).toBe(action);
  });

  it('builds HA init flags and quotes every value', () => {
    expect(initArgv({ advertiseAddress: '10.0.1.1', controlPlaneEndpoint: '10.0.3.100:8443', uploadCerts: true })).toBe(
      'kubeadm init --apiserver-advertise-address 10.0.1.1 --control-plane-endpoint 10.0.3.100:8443 --upload-certs',
    );
    expect(initArgv({ extraArgs: ['--node-name', "x'; rm -rf /"] })).toBe("kubeadm init --node-name 'x'\\''; rm -rf /'");
  });

  it('keeps join secrets in the environment, never on the command line', () => {
    const argv = joinArgv({ endpoint: '10.0.3.100:8443', controlPlane: true, advertiseAddress: '10.0.1.2' });
    expect(argv).toBe(
      'kubeadm join 10.0.3.100:8443 --token "$PODSEC_JOIN_TOKEN" --discovery-token-ca-cert-hash "$PODSEC_JOIN_CA_HASH" ' +
        '--control-plane --certificate-key "$PODSEC_JOIN_CERT_KEY" --apiserver-advertise-address 10.0.1.2',
    );
  });
});

describe('kubeadm-init', () => {
  it('is skipped when the node is initialised, and says so', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    nodeState(w, DONE_INIT);
    const c = await kubeadmInitStep.check!(w.ctx, {});
    expect(c).toMatchObject({ done: true, outputs: { endpoint: '10.0.3.100:8443' } });
    expect(commandsOn(w, 'cp-1').some((c) => c.includes('kubeadm init'))).toBe(false);
  });

  it('runs the HA init through the wrapper under the lock, with U7S_* and no answers', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    nodeState(w, FRESH, DONE_INIT);
    w.self.on(/kubeadm init/, { stdout: joinOutput({ endpoint: '10.0.3.100:8443' }) });
    const out = await kubeadmInitStep.run(w.ctx, {});
    const init = w.calls.find((c) => c.command.includes('kubeadm init'))!;
    expect(init.command).toBe(
      'export PATH=/usr/libexec/podsec/u7s/bin/:$PATH; mkdir -p /var/lib/podsec-play && flock -n -E 75 /var/lib/podsec-play/kubeadm.lock ' +
        'kubeadm init --apiserver-advertise-address 10.0.1.1 --control-plane-endpoint 10.0.3.100:8443 --upload-certs',
    );
    expect(init.options.env).toEqual({ U7S_KUBEVERSION: 'v1.28.3', U7S_REGISTRY: 'registry.local', U7S_PLATFORM: 'p10' });
    expect(init.options.answers).toBeUndefined();
    expect(commandsOn(w, 'cp-1').some((c) => c.includes('reset'))).toBe(false);
    const order = commandsOn(w, 'cp-1');
    const marker = order.findIndex((c) => c.includes('> /var/lib/podsec-play/kubeadm-init.started'));
    const run = order.findIndex((c) => c.includes('kubeadm init'));
    const cleared = order.findIndex((c) => c === 'rm -f /var/lib/podsec-play/kubeadm-init.started');
    expect(marker).toBeGreaterThanOrEqual(0);
    expect(marker).toBeLessThan(run);
    expect(cleared).toBeGreaterThan(run);
    expect(out).toEqual({ endpoint: '10.0.3.100:8443', token: TOKEN, caCertHash: `sha256:${CA_HEX}`, certificateKey: CERT_KEY });
    expect(w.secrets).toEqual(expect.arrayContaining([TOKEN, CERT_KEY, CA_HEX]));
    expectNoSecretShown(w, [TOKEN, CERT_KEY]);
  });

  it('a single master gets a plain `kubeadm init`', async () => {
    const w = fakeWorld(singleInventory(), 'cp-1');
    nodeState(w, FRESH, DONE_INIT);
    w.self.on(/kubeadm init/, { stdout: joinOutput({ endpoint: '10.0.1.1:6443' }) });
    await kubeadmInitStep.run(w.ctx, {});
    expect(w.calls.find((c) => c.command.includes('kubeadm init'))!.command).toMatch(/kubeadm\.lock kubeadm init$/);
  });

  it("after our own half-finished init: a reset inside u7s-admin's namespaces first (never through the wrapper), and only then y to Clear directory", async () => {
    const w = fakeWorld(haInventory(), 'cp-1', { attempt: 2 });
    nodeState(w, HALF_INIT, DONE_INIT);
    w.self.on(/kubeadm init/, { stdout: joinOutput({ endpoint: '10.0.3.100:8443' }) });
    await kubeadmInitStep.run(w.ctx, {});
    const cmds = commandsOn(w, 'cp-1');
    const reset = cmds.findIndex((c) => c.includes('machinectl shell u7s-admin@ /usr/libexec/podsec/u7s/bin/nsenter_u7s /usr/bin/kubeadm reset -f'));
    expect(cmds[reset]).not.toContain('export PATH=/usr/libexec/podsec/u7s/bin/');
    expect(cmds[reset]).toContain('systemctl disable --now u7s');
    const init = cmds.findIndex((c) => c.includes('kubeadm init'));
    expect(reset).toBeGreaterThanOrEqual(0);
    expect(reset).toBeLessThan(init);
    const answers = w.calls[init]!.options.answers;
    expect(answers).toHaveLength(1);
    // a whole line, then a read; in English and as podsec-k8s.po translates it
    expect(new RegExp(answers![0]!.prompt).test('… from previous deployment. Clear directory? y/N:\n')).toBe(true);
    expect(new RegExp(answers![0]!.prompt).test('… от предыдущего разворачивания. Очистить каталог? y/N:\n')).toBe(true);
    expect(answers![0]!.send).toBe('y');
  });

  it('refuses foreign etcd data instead of answering the wrapper y', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    nodeState(w, 'etcd-member');
    await expect(kubeadmInitStep.run(w.ctx, {})).rejects.toMatchObject({ code: 'E_STEP', retryable: false });
    expect(commandsOn(w, 'cp-1').some((c) => c.includes('kubeadm init') || c.includes('reset'))).toBe(false);
  });

  it('a failing init fails the step (retryable) and keeps the start marker for the next attempt', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    nodeState(w, FRESH);
    w.self.on(/kubeadm init/, { exitCode: 1, stderr: 'Clear directory? y/N' });
    await expect(kubeadmInitStep.run(w.ctx, {})).rejects.toMatchObject({ code: 'E_COMMAND', retryable: true });
    expect(commandsOn(w, 'cp-1')).not.toContain('rm -f /var/lib/podsec-play/kubeadm-init.started');
  });

  it('a held kubeadm lock (an orphaned earlier attempt) is a retryable failure', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    nodeState(w, FRESH);
    w.self.on(/kubeadm init/, { exitCode: 75 });
    await expect(kubeadmInitStep.run(w.ctx, {})).rejects.toMatchObject({ code: 'E_STEP', retryable: true });
  });

  it('mints material itself when init printed no join line (never re-running init)', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    nodeState(w, FRESH, DONE_INIT);
    w.self.on(/kubeadm init phase upload-certs/, { stdout: `[upload-certs] Using certificate key:\n${CERT_KEY}\n` });
    w.self.on(/kubeadm init/, { stdout: 'done\n' });
    w.self.on(/kubeadm token create/, { stdout: `kubeadm join 10.0.3.100:8443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${CA_HEX}\n` });
    const out = await kubeadmInitStep.run(w.ctx, {});
    expect(out).toMatchObject({ token: TOKEN, certificateKey: CERT_KEY });
    expect(w.calls.filter((c) => /kubeadm init($| )/.test(c.command) && !c.command.includes('phase'))).toHaveLength(1);
  });
});

describe('join-material', () => {
  it('mints on the master, not on the joining node, with a short TTL and a fresh certificate key for control planes', async () => {
    const w = fakeWorld(haInventory(), 'cp-2');
    w.on('cp-1').on(/kubeadm token create/, {
      stdout: `kubeadm join 10.0.3.100:8443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${CA_HEX} \n`,
    });
    w.on('cp-1').on(/upload-certs/, { stdout: `[upload-certs] Using certificate key:\n${CERT_KEY}\n` });
    const out = await joinMaterialStep.run(w.ctx, {});
    expect(out).toEqual({ endpoint: '10.0.3.100:8443', token: TOKEN, caCertHash: `sha256:${CA_HEX}`, certificateKey: CERT_KEY });
    // the native kubeadm, as podsec's INSTALL.md mints material: the wrapper would run apt,
    // garble --print-join-command and --ttl, and take `init phase upload-certs` for a full init
    expect(commandsOn(w, 'cp-1')).toEqual(['/usr/bin/kubeadm token create --print-join-command --ttl 1h', '/usr/bin/kubeadm init phase upload-certs --upload-certs']);
    expect(commandsOn(w, 'cp-2')).toEqual([]);
    expect(w.secrets).toEqual(expect.arrayContaining([TOKEN, CERT_KEY]));
  });

  it('mints no certificate key for a worker', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    w.on('cp-1').on(/kubeadm token create/, {
      stdout: `kubeadm join 10.0.3.100:8443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${CA_HEX}\n`,
    });
    const out = await joinMaterialStep.run(w.ctx, {});
    expect(out).toMatchObject({ certificateKey: '' });
    expect(commandsOn(w, 'cp-1').some((c) => c.includes('upload-certs'))).toBe(false);
  });

  it('is skipped (nothing minted) when the node has joined', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    nodeState(w, DONE_JOIN);
    const c = await joinMaterialStep.check!(w.ctx, {});
    expect(c).toMatchObject({ done: true, outputs: { token: '', endpoint: '10.0.3.100:8443' } });
    expect(commandsOn(w, 'cp-1')).toEqual([]);
  });

  it('fails retryably when the master prints no join command', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    w.on('cp-1').on(/kubeadm token create/, { stdout: 'error\n' });
    await expect(joinMaterialStep.run(w.ctx, {})).rejects.toMatchObject({ code: 'E_STEP', retryable: true });
  });
});

describe('kubeadm-join', () => {
  const material = { endpoint: '10.0.3.100:8443', token: TOKEN, caCertHash: `sha256:${CA_HEX}`, certificateKey: CERT_KEY };
  const listed = `TOKEN TTL EXPIRES\n${TOKEN}   59m   2026-11-26T16:00:00Z\n`;

  it('is skipped when the node has joined (never wiping it)', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    nodeState(w, DONE_JOIN);
    expect(await kubeadmJoinStep.check!(w.ctx, material)).toMatchObject({ done: true });
    const w2 = fakeWorld(haInventory(), 'worker-1');
    nodeState(w2, 'kubelet-conf');
    expect(await kubeadmJoinStep.check!(w2.ctx, material)).toEqual({ done: false });
  });

  it("joins a control plane with --control-plane, its certificate key and advertise address, secrets and the cluster's U7S_* via env", async () => {
    const w = fakeWorld(haInventory(), 'cp-2');
    nodeState(w, FRESH, FRESH, DONE_JOIN);
    w.on('cp-1').on(/kubeadm token list/, { stdout: listed });
    await kubeadmJoinStep.run(w.ctx, material);
    const join = w.calls.find((c) => c.command.includes('kubeadm join'))!;
    expect(join.command).toContain(
      'kubeadm join 10.0.3.100:8443 --token "$PODSEC_JOIN_TOKEN" --discovery-token-ca-cert-hash "$PODSEC_JOIN_CA_HASH" ' +
        '--control-plane --certificate-key "$PODSEC_JOIN_CERT_KEY" --apiserver-advertise-address 10.0.1.2',
    );
    expect(join.options.env).toEqual({
      U7S_KUBEVERSION: 'v1.28.3',
      U7S_REGISTRY: 'registry.local',
      U7S_PLATFORM: 'p10',
      PODSEC_JOIN_TOKEN: TOKEN,
      PODSEC_JOIN_CA_HASH: `sha256:${CA_HEX}`,
      PODSEC_JOIN_CERT_KEY: CERT_KEY,
    });
    expect(join.options.answers).toBeUndefined();
    expectNoSecretShown(w, [TOKEN, CERT_KEY, CA_HEX]);
  });

  it('joins a worker without control-plane flags', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    nodeState(w, FRESH, FRESH, DONE_JOIN);
    w.on('cp-1').on(/kubeadm token list/, { stdout: listed });
    await kubeadmJoinStep.run(w.ctx, { ...material, certificateKey: '' });
    const join = w.calls.find((c) => c.command.includes('kubeadm join'))!;
    expect(join.command).toMatch(/--discovery-token-ca-cert-hash "\$PODSEC_JOIN_CA_HASH"$/);
    expect(join.options.env).not.toHaveProperty('PODSEC_JOIN_CERT_KEY');
  });

  it('mints fresh material when the token expired while the run was stopped', async () => {
    const w = fakeWorld(haInventory(), 'cp-3');
    nodeState(w, FRESH, FRESH, DONE_JOIN);
    const fresh = 'zyxwvu.9876543210zyxwvu';
    const freshKey = 'd'.repeat(64);
    w.on('cp-1').on(/kubeadm token list/, { stdout: 'TOKEN TTL EXPIRES\n' });
    w.on('cp-1').on(/kubeadm token create/, { stdout: `kubeadm join 10.0.3.100:8443 --token ${fresh} --discovery-token-ca-cert-hash sha256:${CA_HEX}\n` });
    w.on('cp-1').on(/upload-certs/, { stdout: `${freshKey}\n` });
    await kubeadmJoinStep.run(w.ctx, material);
    const join = w.calls.find((c) => c.command.includes('kubeadm join'))!;
    expect(join.options.env).toMatchObject({ PODSEC_JOIN_TOKEN: fresh, PODSEC_JOIN_CERT_KEY: freshKey });
    expect(w.logs.join('\n')).toMatch(/no longer known/);
  });

  it('after our own half-finished join: reset first, then `y` to Clear directory', async () => {
    const w = fakeWorld(haInventory(), 'cp-2', { attempt: 2 });
    nodeState(w, 'etcd-member join-started', 'etcd-member join-started', DONE_JOIN);
    w.on('cp-1').on(/kubeadm token list/, { stdout: listed });
    await kubeadmJoinStep.run(w.ctx, material);
    const cmds = commandsOn(w, 'cp-2');
    const reset = cmds.findIndex((c) => c.includes('nsenter_u7s /usr/bin/kubeadm reset -f'));
    const join = cmds.findIndex((c) => c.includes('kubeadm join'));
    expect(reset).toBeGreaterThanOrEqual(0);
    expect(reset).toBeLessThan(join);
    expect(w.calls.filter((c) => c.host === 'cp-2')[join]!.options.answers?.[0]?.send).toBe('y');
  });

  it("without kubeVersion in the inventory a join takes the version the master's wrapper recorded, and the platform from the master's os-release", async () => {
    const inv = haInventory();
    delete inv.cluster.kubeVersion;
    delete inv.cluster.platform;
    delete inv.cluster.registry;
    const w = fakeWorld(inv, 'worker-1');
    nodeState(w, FRESH, FRESH, DONE_JOIN);
    w.on('cp-1').on(/kubeadm token list/, { stdout: listed });
    w.on('cp-1').write('/etc/podsec/u7s/config/env', '# podsec-k8s settings\nU7S_KUBEVERSION=v1.28.3\nU7S_PLATFORM=p10\n');
    w.on('cp-1').write('/etc/os-release', 'NAME="ALT SP Server"\nALT_BRANCH_ID=c10f2\n');
    // no facts gathered for the master (a step run on its own): its os-release is read
    (w.ctx as { factsOf: (n: string) => undefined }).factsOf = () => undefined;
    await kubeadmJoinStep.run(w.ctx, { ...material, certificateKey: '' });
    const join = w.calls.find((c) => c.command.includes('kubeadm join'))!;
    expect(join.options.env).toMatchObject({ U7S_KUBEVERSION: 'v1.28.3', U7S_PLATFORM: 'c10f' });
    expect(join.options.env).not.toHaveProperty('U7S_REGISTRY');
    // with the run's facts: the master's as they were gathered
    const w2 = fakeWorld(inv, 'worker-1');
    nodeState(w2, FRESH, FRESH, DONE_JOIN);
    w2.on('cp-1').on(/kubeadm token list/, { stdout: listed });
    w2.on('cp-1').write('/etc/podsec/u7s/config/env', 'U7S_KUBEVERSION=v1.28.3\n');
    const facts = w2.ctx.factsOf.bind(w2.ctx);
    (w2.ctx as { factsOf: typeof facts }).factsOf = (n) => (n === 'cp-1' ? { ...facts(n)!, platform: 'sisyphus' } : facts(n));
    await kubeadmJoinStep.run(w2.ctx, { ...material, certificateKey: '' });
    expect(w2.calls.find((c) => c.command.includes('kubeadm join'))!.options.env).toMatchObject({ U7S_PLATFORM: 'sisyphus' });
  });

  it('refuses to call the wrapper without a version, and extra arguments outside its option table', async () => {
    const inv = haInventory();
    delete inv.cluster.kubeVersion;
    const w = fakeWorld(inv, 'cp-1');
    nodeState(w, FRESH);
    await expect(kubeadmInitStep.run(w.ctx, {})).rejects.toThrow(/set cluster\.kubeVersion/);
    const w2 = fakeWorld(haInventory(), 'worker-1');
    nodeState(w2, FRESH);
    await expect(kubeadmJoinStep.run(w2.ctx, { ...material, extraArgs: ['--ttl', '1h'] })).rejects.toThrow(/--ttl: not in the podsec wrapper's option table/);
    const w3 = fakeWorld(haInventory(), 'cp-1');
    nodeState(w3, FRESH);
    await expect(kubeadmInitStep.run(w3.ctx, { extraArgs: ['-f'] })).rejects.toThrow(/-f: not in the podsec wrapper's option table/);
    for (const world of [w, w2, w3]) expect(world.calls.some((c) => /kubeadm (init|join)/.test(c.command))).toBe(false);
  });

  it('a wrapper that exits 0 without bringing the node up fails the step (it does, for a version without its v)', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    nodeState(w, FRESH);
    w.on('cp-1').on(/kubeadm token list/, { stdout: listed });
    w.self.on(/kubeadm join/, { stderr: "Variable value U7S_KUBEVERSION must start with a symbol 'v'\n" });
    await expect(kubeadmJoinStep.run(w.ctx, { ...material, certificateKey: '' })).rejects.toMatchObject({ code: 'E_STEP', retryable: true, message: expect.stringContaining('exited 0 but the node is not up') });
  });

  it('uses empty material from a skipped join-material only to skip: joining with it needs refresh', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    nodeState(w, FRESH);
    await expect(kubeadmJoinStep.run(w.ctx, { token: '', caCertHash: '', refresh: false })).rejects.toMatchObject({ code: 'E_STEP' });
  });
});

// Day-2 kinds refuse what the API alone cannot do, before anything is minted or changed: a
// control plane cannot join a sealed cluster (its certificates come only from kubeadm on a
// control plane), and a step that needs the kubeconfig says where it looked and how to get it.
import { describe, expect, it } from 'vitest';
import { bootstrapTokenStep } from '../../steps/bootstrap-token.js';
import { kubeadmJoinStep } from '../../steps/kubeadm-join.js';
import { NODE_OFF_COMMAND, nodeResetStep } from '../../steps/node-reset.js';
import { waitNodesReadyStep } from '../../steps/wait-nodes-ready.js';
import { NODE_STATE_COMMAND } from '../../steps/lib/u7s.js';
import { fakeWorld, haInventory } from './fake-context.js';

describe('day-2 through the API', () => {
  it('a control plane is refused by bootstrap-token and by kubeadm-join via api, with the reason, before any command', async () => {
    for (const [kind, w] of [
      [bootstrapTokenStep, {}],
      [kubeadmJoinStep, { via: 'api', controlPlane: true }],
    ] as const) {
      const world = fakeWorld(haInventory(), 'cp-2');
      world.self.on(NODE_STATE_COMMAND, { stdout: '' });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const err = await (kind.run as any)(world.ctx, w).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_STEP', retryable: false });
      expect((err as Error).message).toMatch(/cp-2 cannot join as a control plane through the API: .*kubeadm init phase upload-certs.*kubeadm-certs/);
      expect(world.calls.filter((c) => c.command !== NODE_STATE_COMMAND)).toEqual([]);
    }
  });

  it('without the kubeconfig, says where it looked and how to write it again', async () => {
    const world = fakeWorld(haInventory(), 'worker-1', { kubeconfigFile: '/nonexistent/prod.kubeconfig' });
    const err = await waitNodesReadyStep.run(world.ctx, { via: 'api', timeout: '1s' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no kubeconfig at \/nonexistent\/prod\.kubeconfig: .*podsec-play kubeconfig -i .* --write/);
    expect(world.calls).toEqual([]);
  });

  it('say how they use SSH: API-only kinds need none, the master path of kubeadm-join needs the master', () => {
    expect(waitNodesReadyStep.sshUse?.({ via: 'api' })).toBe('none');
    expect(waitNodesReadyStep.sshUse?.({})).toBe('required');
    const where = { host: haInventory().hosts.find((h) => h.name === 'worker-1')!, inventory: haInventory() };
    expect(kubeadmJoinStep.sshPeers?.({ via: 'api' }, where)).toEqual([]);
    expect(kubeadmJoinStep.sshPeers?.({}, where)).toEqual(['cp-1']);
  });
});

describe('node-reset drives podsec as its scripts allow', () => {
  it('resets inside u7s-admin\'s namespaces with the native kubeadm, never through the wrapper (its table has no -f)', async () => {
    const world = fakeWorld(haInventory(), 'worker-1');
    const out = await nodeResetStep.run(world.ctx, {});
    expect(out).toEqual({ reset: 'true', reachable: 'true' });
    const commands = world.calls.map((c) => c.command);
    expect(commands[0]).toContain('machinectl shell u7s-admin@ /usr/libexec/podsec/u7s/bin/nsenter_u7s /usr/bin/kubeadm reset -f');
    expect(commands[0]).toContain('systemctl is-active -q u7s');
    for (const c of commands) {
      expect(c).not.toContain('/usr/libexec/podsec/u7s/bin/:$PATH');
      expect(c).not.toMatch(/(^|[;&|]\s*)kubeadm reset/);
    }
    expect(commands[1]).toBe(NODE_OFF_COMMAND);
  });
});

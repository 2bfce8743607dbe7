// disable-ssh when the controller cannot reach the SSH port itself (a host behind a jump host):
// the seal cannot be proven, so SSH is left on. The probe is replaced by one that times out
// (no test may reach beyond 127.0.0.0/8 to find a really unreachable address).
import { describe, expect, it, vi } from 'vitest';
import { disableSshStep, SEAL_COMMAND } from '../../steps/disable-ssh.js';
import { fakeWorld, haInventory } from './fake-context.js';

vi.mock('../../steps/lib/tcp-probe.js', () => ({ probeTcp: vi.fn(async () => 'timeout') }));

describe('disable-ssh without a direct route to the port', () => {
  it('refuses to seal (nothing runs) and says how to seal such hosts', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    await expect(disableSshStep.run(w.ctx, {})).rejects.toThrow(/cannot prove the seal: .* \(timeout\); behind a jump host set with\.verify: none\. SSH left on\./);
    expect(w.calls.some((c) => c.command === SEAL_COMMAND)).toBe(false);
  });

  it('with verify: none it seals without the proof (after the Ready check)', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    w.on('cp-1').on('kubectl get nodes -o json', {
      stdout: JSON.stringify({
        items: ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'].map((name) => ({
          metadata: { name },
          status: { conditions: [{ type: 'Ready', status: 'True' }] },
        })),
      }),
    });
    expect(await disableSshStep.run(w.ctx, { verify: 'none' })).toMatchObject({ sealed: 'true' });
    expect(w.calls.some((c) => c.command === SEAL_COMMAND)).toBe(true);
  });
});

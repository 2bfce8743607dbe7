// A small plan for the plan-printout tests: three phases, a serial one, a host with no steps,
// retry/timeout/when on some steps, and text that printers must escape.
import type { SealRecord } from '../../engine/journal/types.js';
import type { Plan, PlannedStep } from '../../engine/plan/types.js';

function step(phase: string, host: string, id: string, patch: Partial<PlannedStep> = {}): PlannedStep {
  return {
    key: `${phase}/${host}/${id}`,
    phase,
    host,
    id,
    uses: 'shell',
    title: id,
    with: {},
    retry: { attempts: 1, delayMs: 1000, backoff: 2, maxDelayMs: 30_000 },
    timeoutMs: undefined,
    when: undefined,
    at: 'cluster.yaml:1:1',
    ...patch,
  };
}

export function samplePlan(): Plan {
  const join = (host: string) => [
    step('workers', host, 'join', {
      uses: 'kubeadm-join',
      title: 'kubeadm join',
      retry: { attempts: 3, delayMs: 1000, backoff: 2, maxDelayMs: 30_000 },
      timeoutMs: 300_000,
    }),
  ];
  return {
    playbook: 'cluster',
    playbookFile: 'playbooks/cluster.yaml',
    inventoryFile: 'lab.yaml',
    hash: '3f2a9c0d5e7b1a4c8d6e2f0a9b3c5d7e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c',
    engineVersion: '0.1.0',
    hosts: [
      { name: 'cp-1', address: '127.0.0.1', port: 40001, user: 'root', roles: ['master'], transport: 'ssh' },
      { name: 'w-1', address: '127.0.0.1', port: 40002, user: 'root', roles: ['worker'], transport: 'ssh' },
      { name: 'w-2', address: '127.0.0.1', port: 40003, user: 'root', roles: ['worker'], transport: 'ssh' },
      { name: 'ctl', address: 'localhost', port: 22, user: 'root', roles: [], transport: 'local' },
    ],
    phases: [
      {
        name: 'preflight',
        concurrency: 3,
        serial: false,
      skipSealed: false,
        hosts: ['cp-1', 'w-1', 'w-2'].map((h) => ({
          name: h,
          steps: [
            step('preflight', h, 'reachable', { uses: 'preflight', title: 'Host is "reachable" <fast> & #1' }),
            step('preflight', h, 'swap-off', { when: '${{ vars.checkSwap }}' }),
          ],
        })),
      },
      { name: 'control-planes', concurrency: 1, serial: true,
      skipSealed: false, hosts: [{ name: 'cp-1', steps: [step('control-planes', 'cp-1', 'init')] }, { name: 'w-1', steps: [] }] },
      { name: 'workers', concurrency: 1, serial: true,
      skipSealed: false, hosts: [{ name: 'w-1', steps: join('w-1') }, { name: 'w-2', steps: join('w-2') }] },
    ],
  };
}

export const SEALED: Record<string, SealRecord> = {
  'cp-1': { host: 'cp-1', address: '127.0.0.1', port: 40001, runId: 'run-7', at: '2026-01-01T10:05:00.000Z' },
};

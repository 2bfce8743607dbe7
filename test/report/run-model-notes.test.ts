// Notes are what the admin needs after the run; hosts that say the same thing (where monitoring
// goes) are said once in the summary, different notes all in their order.
import { describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { RunModel } from '../../engine/report/run-model.js';

const note = (message: string, host: string): PlayEvent => ({ type: 'note', message, host, ts: '2025-01-01T00:00:00.000Z', seq: 0, runId: 'r' }) as unknown as PlayEvent;

describe('run model notes', () => {
  it('keeps one of each message, in the order they first came', () => {
    const model = new RunModel();
    for (const e of [note('Monitoring: stays on the nodes', 'cp-1'), note('Kubeconfig: /x/lab.kubeconfig', 'cp-1'), note('Monitoring: stays on the nodes', 'worker-1')]) model.apply(e);
    expect(model.notes).toEqual(['Monitoring: stays on the nodes', 'Kubeconfig: /x/lab.kubeconfig']);
  });
});

// The live tree fits the window: at 80×24, at every moment of an HA run like the demo's, the
// frame has at most 23 lines (one row spare so the terminal never scrolls), no line wider than
// the window, and the running phase's header is on it; finished phases fold into a count first.
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { makePaint } from '../../engine/report/ansi.js';
import { RunModel } from '../../engine/report/run-model.js';
import { fitWidth, liveFrame } from '../../engine/report/tui-frame.js';
import { simulate, type PhaseScript } from './fixtures.js';

const ALL = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3', 'lb-1', 'lb-2'];
const steps = (...ids: string[]) => ids.map((id) => ({ id, title: `${id} with a title long enough to need cutting at eighty columns`, output: [`${id}: a line of output`] }));

/** A long playbook shaped like ha-cluster.yaml once was (its preflight phases are checks now): 11 phases, up to 8 hosts. */
function demoLikeRun(): PlayEvent[] {
  const phases: PhaseScript[] = [
    { name: 'preflight', hosts: ALL, steps: steps('reachable', 'os', 'packages', 'hostname', 'swap', 'clock', 'registry-host') },
    { name: 'preflight-nodes', hosts: ALL.slice(0, 6), steps: steps('kubeadm', 'u7s') },
    { name: 'preflight-master', hosts: ['cp-1'], steps: steps('podsec') },
    { name: 'preflight-lbs', hosts: ['lb-1', 'lb-2'], steps: steps('haproxy', 'keepalived') },
    { name: 'load-balancers', hosts: ['lb-1', 'lb-2'], steps: steps('haproxy', 'keepalived') },
    { name: 'master', hosts: ['cp-1'], steps: steps('policy', 'services', 'imagemaker', 'sign', 'init', 'material') },
    { name: 'policy', hosts: ALL.slice(1, 6), steps: steps('create-policy', 'copy-policy') },
    { name: 'control-planes', hosts: ['cp-2', 'cp-3'], concurrency: 1, steps: steps('material', 'join') },
    { name: 'workers', hosts: ['worker-1', 'worker-2', 'worker-3'], steps: steps('material', 'join') },
    { name: 'network', hosts: ['cp-1'], steps: steps('cni', 'ready') },
    { name: 'seal', hosts: ALL, steps: steps('seal') },
  ];
  return simulate({ playbook: 'ha-cluster', phases });
}

const paint = makePaint(false);
const width = (line: string) => [...stripVTControlCharacters(line)].length;

describe('the live frame at 80×24', () => {
  it('fits at every moment of a demo-like run and always shows the running phase', () => {
    const events = demoLikeRun();
    const model = new RunModel();
    let folded = 0;
    let checked = 0;
    for (const event of events) {
      model.apply(event);
      if (event.type !== 'step.started' && event.type !== 'step.output') continue;
      const now = Date.parse(event.ts) + 1500;
      const lines = liveFrame(model, { now, width: 80, height: 23, foldHostsAbove: 8, paint });
      expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(23);
      for (const line of lines) expect(width(line), line).toBeLessThanOrEqual(79);
      const running = model.phases.find((p) => p.status === 'running')!;
      expect(lines, `${running.name}\n${lines.join('\n')}`).toContainEqual(expect.stringMatching(new RegExp(`^❯ ${running.name} · \\d+ hosts? · (\\d+m )?\\d+s$`)));
      if (lines.some((l) => /^✔ \d+ phases done in /.test(l))) folded++;
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    // With eight hosts each showing its steps, the finished phases had to fold.
    expect(folded).toBeGreaterThan(0);
  });

  it('gives up detail in order: the full tree when it fits, counts when it does not', () => {
    const events = demoLikeRun();
    const model = new RunModel();
    // Stop while the last phase runs, every host on its one step.
    const at = events.findIndex((e) => e.type === 'step.started' && e.phase === 'seal' && e.host === 'lb-2');
    for (const e of events.slice(0, at + 1)) model.apply(e);
    const now = Date.parse(events[at]!.ts) + 1000;
    const tall = liveFrame(model, { now, width: 120, height: 60, foldHostsAbove: 8, paint });
    expect(tall[0]).toMatch(/^✔ preflight \(8 hosts, /);
    expect(tall.filter((l) => /^ {2}❯ /.test(l))).toHaveLength(8);
    const fitted = liveFrame(model, { now, width: 80, height: 23, foldHostsAbove: 8, paint });
    expect(fitted[0]).toMatch(/^✔ 10 phases done in \d+\.\ds: preflight, preflight-nodes, /);
    expect(fitted[1]).toMatch(/^❯ seal · 8 hosts · \d+s$/);
    const small = liveFrame(model, { now, width: 60, height: 8, foldHostsAbove: 8, paint });
    expect(small.length).toBeLessThanOrEqual(8);
    expect(small[1]).toMatch(/^❯ seal · 8 hosts · \d+s$/);
    expect(small[2]).toMatch(/^ {2}… 0 hosts done · 8 running \(\d shown\) · 0 waiting$/);
  });

  it('cuts lines to the window by columns, wide characters counted twice', () => {
    expect(fitWidth('abcdef', 6)).toBe('abcdef');
    expect(fitWidth('abcdefg', 6)).toBe('abcde…');
    expect(fitWidth('ключ-значение', 5)).toBe('ключ…');
    expect(fitWidth('日本語のテキスト', 7)).toBe('日本語…');
  });
});

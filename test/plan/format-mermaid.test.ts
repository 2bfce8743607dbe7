import { describe, expect, it } from 'vitest';
import { formatPlanMermaid, mermaidLabel } from '../../engine/plan/format-mermaid.js';
import { SEALED, samplePlan } from '../report/plan-fixture.js';

/** Structure of the chart: subgraphs balanced, ids unique, every edge between declared ids. */
function structure(chart: string) {
  const lines = chart.trimEnd().split('\n').map((l) => l.trim());
  const ids = new Set<string>();
  const edges: [string, string, string][] = [];
  const labels: Record<string, string> = {};
  let depth = 0;
  for (const line of lines.slice(1)) {
    if (line.startsWith('%%') || line.startsWith('direction ')) continue;
    let m: RegExpExecArray | null;
    if ((m = /^subgraph (\w+)\["([^"]*)"\]$/.exec(line)) || (m = /^(\w+)\["([^"]*)"\]$/.exec(line))) {
      if (ids.has(m[1]!)) throw new Error(`duplicate id ${m[1]}`);
      ids.add(m[1]!);
      labels[m[1]!] = m[2]!;
      if (line.startsWith('subgraph')) depth++;
    } else if (line === 'end') {
      depth--;
      if (depth < 0) throw new Error('end without subgraph');
    } else if ((m = /^(\w+) (-->|==>|-\. then \.->) (\w+)$/.exec(line))) {
      edges.push([m[1]!, m[2]!, m[3]!]);
    } else {
      throw new Error(`unexpected line: ${line}`);
    }
  }
  if (depth !== 0) throw new Error('unbalanced subgraphs');
  for (const [a, , b] of edges) if (!ids.has(a) || !ids.has(b)) throw new Error(`edge to an unknown id: ${a} -> ${b}`);
  return { ids, edges, labels };
}

describe('plan as mermaid', () => {
  const chart = formatPlanMermaid(samplePlan());
  const { edges, labels } = structure(chart);

  it('is a top-down flowchart whose subgraphs, ids and edges are consistent', () => {
    expect(chart.startsWith('flowchart TD\n')).toBe(true);
  });

  it('draws phases in order, hosts inside them, and steps in order', () => {
    expect(edges.filter(([, kind]) => kind === '==>')).toEqual([
      ['p1', '==>', 'p2'],
      ['p2', '==>', 'p3'],
    ]);
    expect(labels.p1).toBe('Phase 1: preflight<br/>3 hosts, all at once');
    expect(labels.p1_h2).toBe('w-1');
    expect(edges).toContainEqual(['p1_h2_s1', '-->', 'p1_h2_s2']);
    expect(labels.p1_h2_s2).toBe('2. swap-off<br/>uses shell<br/>when ${{ vars.checkSwap }}');
    expect(labels.p3_h1_s1).toBe('1. join<br/>kubeadm join<br/>uses kubeadm-join<br/>retry 3 attempts, 1s ×2 up to 30s<br/>timeout 5m');
    expect(labels.p2_h2_empty).toBe('(no steps)');
  });

  it('chains serial hosts in their order', () => {
    expect(edges.filter(([, kind]) => kind.includes('then'))).toEqual([
      ['p2_h1', '-. then .->', 'p2_h2'],
      ['p3_h1', '-. then .->', 'p3_h2'],
    ]);
  });

  it('escapes quotes, markup and # in labels', () => {
    expect(labels.p1_h1_s1).toBe('1. reachable<br/>Host is #quot;reachable#quot; #lt;fast#gt; #amp; #35;1<br/>uses preflight');
    expect(mermaidLabel('a`b\nc')).toBe('a#96;b<br/>c');
  });

  it('marks sealed hosts', () => {
    const sealed = structure(formatPlanMermaid(samplePlan(), SEALED));
    expect(sealed.labels.p1_h1).toBe('cp-1<br/>[SSH sealed by run run-7 at 2026-01-01T10:05:00.000Z]');
    expect(labels.p1_h1).toBe('cp-1');
  });
});

import { describe, expect, it } from 'vitest';
import { dotString, formatPlanDot } from '../../engine/plan/format-dot.js';
import { SEALED, samplePlan } from '../report/plan-fixture.js';

/** Splits DOT into tokens (quoted strings kept whole, escapes honoured); throws on an open string. */
function tokens(dot: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < dot.length) {
    const c = dot[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      let j = i + 1;
      while (j < dot.length && dot[j] !== '"') j += dot[j] === '\\' ? 2 : 1;
      if (j >= dot.length) throw new Error('unterminated string');
      out.push(dot.slice(i, j + 1));
      i = j + 1;
    } else if (dot.startsWith('->', i)) {
      out.push('->');
      i += 2;
    } else if (/[{}[\];,=]/.test(c)) {
      out.push(c);
      i++;
    } else {
      const m = /^[A-Za-z0-9_.]+/.exec(dot.slice(i));
      if (!m) throw new Error(`unexpected ${c}`);
      out.push(m[0]);
      i += m[0].length;
    }
  }
  return out;
}

function unquote(s: string): string {
  return s.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function structure(dot: string) {
  const t = tokens(dot);
  let depth = 0;
  for (const x of t) {
    if (x === '{') depth++;
    if (x === '}') depth--;
    if (depth < 0) throw new Error('unbalanced braces');
  }
  if (depth !== 0) throw new Error('unbalanced braces');
  const clusters = new Set<string>();
  const nodes: Record<string, string> = {};
  const edges: { from: string; to: string; attrs: Record<string, string> }[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i] === 'subgraph') clusters.add(t[i + 1]!);
    const attrs = (start: number) => {
      const a: Record<string, string> = {};
      if (t[start] !== '[') return a;
      for (let k = start + 1; t[k] !== ']'; k += t[k + 3] === ',' ? 4 : 3) a[t[k]!] = t[k + 2]!.startsWith('"') ? unquote(t[k + 2]!) : t[k + 2]!;
      return a;
    };
    if (t[i + 1] === '->') edges.push({ from: t[i]!, to: t[i + 2]!, attrs: attrs(i + 3) });
    else if (/^p\d+_/.test(t[i]!) && t[i + 1] === '[' && t[i - 1] !== '->') nodes[t[i]!] = attrs(i + 1).label ?? '';
  }
  for (const e of edges) {
    if (!(e.from in nodes) || !(e.to in nodes)) throw new Error(`edge to an unknown node ${e.from} -> ${e.to}`);
    for (const k of ['ltail', 'lhead']) if (e.attrs[k] && !clusters.has(e.attrs[k]!)) throw new Error(`unknown cluster ${e.attrs[k]}`);
  }
  return { clusters, nodes, edges };
}

describe('plan as graphviz dot', () => {
  const dot = formatPlanDot(samplePlan());
  const { clusters, nodes, edges } = structure(dot);

  it('is a compound digraph with balanced braces, declared nodes and existing clusters', () => {
    expect(dot.startsWith('digraph plan {\n')).toBe(true);
    expect(dot).toContain('compound=true');
    expect([...clusters].filter((c) => /^cluster_p\d+$/.test(c))).toEqual(['cluster_p1', 'cluster_p2', 'cluster_p3']);
  });

  it('draws phases in order between phase clusters', () => {
    const phaseEdges = edges.filter((e) => e.attrs.style === 'bold').map((e) => `${e.attrs.ltail} -> ${e.attrs.lhead}`);
    expect(phaseEdges).toEqual(['cluster_p1 -> cluster_p2', 'cluster_p2 -> cluster_p3']);
  });

  it('chains the steps of hosts that run the same ones once, and serial groups in order', () => {
    // preflight: three hosts, the same two steps — one chain, labelled with the hosts
    expect(edges).toContainEqual({ from: 'p1_g1_s1', to: 'p1_g1_s2', attrs: {} });
    expect(Object.keys(nodes).filter((n) => n.startsWith('p1_'))).toEqual(['p1_g1_s1', 'p1_g1_s2']);
    expect(dot).toContain('label="3 hosts:\\ncp-1, w-1, w-2";');
    const serial = edges.filter((e) => e.attrs.style === 'dashed').map((e) => `${e.from} -> ${e.to}`);
    expect(serial).toEqual(['p2_g1_s1 -> p2_g2_empty']);
  });

  it('keeps labels intact through escaping', () => {
    expect(nodes.p1_g1_s1).toBe('1. reachable\nHost is "reachable" <fast> & #1\nuses preflight');
    expect(nodes.p3_g1_s1).toBe('1. join\nkubeadm join\nuses kubeadm-join\nretry 3 attempts, 1s ×2 up to 30s\ntimeout 5m');
    expect(dotString('a\\b"c\nd')).toBe('"a\\\\b\\"c\\nd"');
  });

  it('marks sealed hosts with a dashed cluster and a note', () => {
    const sealed = formatPlanDot(samplePlan(), SEALED);
    expect(sealed).toContain('label="cp-1\\n[SSH sealed by run run-7 at 2026-01-01T10:05:00.000Z]";\n      style=dashed;');
    expect(dot).not.toContain('sealed by');
  });

  it('stays readable for many hosts: left to right, one chain per distinct step list, names wrapped', () => {
    const plan = samplePlan();
    const workers = Array.from({ length: 12 }, (_, i) => `w-${String(i + 1).padStart(2, '0')}`);
    const template = plan.phases[2]!.hosts[0]!.steps[0]!;
    plan.phases[2] = { name: 'workers', concurrency: 5, serial: false, skipSealed: false, hosts: workers.map((name) => ({ name, steps: [{ ...template, host: name, key: `workers/${name}/join` }] })) };
    const many = formatPlanDot(plan);
    const s = structure(many);
    expect(many).toContain('rankdir=LR');
    expect(Object.keys(s.nodes).filter((n) => n.startsWith('p3_'))).toEqual(['p3_g1_s1']);
    expect(many).toContain('label="12 hosts:\\nw-01, w-02, w-03, w-04\\nw-05, w-06, w-07, w-08\\nw-09, w-10, w-11, w-12";');
    expect(many).toContain('label="Phase 3: workers\\n12 hosts, 5 at a time";');
    // every label line stays short
    for (const label of Object.values(s.nodes)) for (const line of label.split('\n')) expect(line.length).toBeLessThan(60);
  });
});

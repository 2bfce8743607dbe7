// `podsec-play plan --format dot`: the plan as a graphviz digraph (phases as clusters in order,
// hosts as nested clusters, steps chained; serial hosts chained with dashed edges).
import type { SealRecord } from '../journal/types.js';
import { describeConcurrency, sealedNote, stepFacts } from './format-shared.js';
import type { Plan, PlannedHost } from './types.js';

/** A double-quoted DOT string (labels: newlines become centred line breaks). */
export function dotString(text: string): string {
  const body = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n/g, '\\n')
    .replace(/[\x00-\x1f\x7f]/g, ' ');
  return `"${body}"`;
}

export function formatPlanDot(plan: Plan, sealed: Record<string, SealRecord> = {}): string {
  const out: string[] = ['digraph plan {'];
  out.push(`  graph [compound=true, rankdir=TB, fontname="Helvetica", labelloc=t, label=${dotString(`Plan ${plan.playbook}\nhash ${plan.hash}`)}];`);
  out.push('  node [shape=box, style=rounded, fontname="Helvetica"];');
  out.push('  edge [fontname="Helvetica"];');
  const firstNode = (pid: string, host: PlannedHost | undefined, j: number) =>
    host === undefined ? `${pid}_empty` : host.steps.length ? `${pid}_h${j}_s1` : `${pid}_h${j}_empty`;
  const lastNode = (pid: string, host: PlannedHost | undefined, j: number) =>
    host === undefined ? `${pid}_empty` : host.steps.length ? `${pid}_h${j}_s${host.steps.length}` : `${pid}_h${j}_empty`;
  plan.phases.forEach((phase, i) => {
    const pid = `p${i + 1}`;
    out.push(`  subgraph cluster_${pid} {`);
    out.push(`    label=${dotString(`Phase ${i + 1}: ${phase.name}\n${describeConcurrency(phase)}`)};`);
    if (phase.hosts.length === 0) out.push(`    ${pid}_empty [label=${dotString('(no hosts match)')}, shape=plaintext];`);
    phase.hosts.forEach((host, j0) => {
      const hid = `${pid}_h${j0 + 1}`;
      const seal = sealed[host.name] ? `\n${sealedNote(sealed[host.name]!)}` : '';
      out.push(`    subgraph cluster_${hid} {`);
      out.push(`      label=${dotString(`${host.name}${seal}`)};`);
      if (seal) out.push('      style=dashed;');
      if (host.steps.length === 0) out.push(`      ${hid}_empty [label=${dotString('(no steps)')}, shape=plaintext];`);
      host.steps.forEach((step, k) => {
        const title = step.title !== step.id ? `\n${step.title}` : '';
        out.push(`      ${hid}_s${k + 1} [label=${dotString(`${k + 1}. ${step.id}${title}\n${stepFacts(step).join('\n')}`)}];`);
      });
      for (let k = 1; k < host.steps.length; k++) out.push(`      ${hid}_s${k} -> ${hid}_s${k + 1};`);
      out.push('    }');
    });
    if (phase.serial) {
      for (let j = 1; j < phase.hosts.length; j++) {
        const from = lastNode(pid, phase.hosts[j - 1], j);
        const to = firstNode(pid, phase.hosts[j], j + 1);
        out.push(`    ${from} -> ${to} [ltail=cluster_${pid}_h${j}, lhead=cluster_${pid}_h${j + 1}, style=dashed, label="then"];`);
      }
    }
    out.push('  }');
  });
  for (let i = 1; i < plan.phases.length; i++) {
    const a = plan.phases[i - 1]!;
    const b = plan.phases[i]!;
    const from = lastNode(`p${i}`, a.hosts[0], 1);
    const to = firstNode(`p${i + 1}`, b.hosts[0], 1);
    out.push(`  ${from} -> ${to} [ltail=cluster_p${i}, lhead=cluster_p${i + 1}, style=bold];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

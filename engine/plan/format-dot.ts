// `podsec-play plan --format dot`: the plan as a graphviz digraph laid out left to right: phases
// are clusters in order; inside a phase, hosts that run the same steps share one cluster (its
// label names them all), so a phase of 20 workers is one chain of steps, not 20; serial phases
// chain their groups with dashed edges.
import type { SealRecord } from '../journal/types.js';
import { describeConcurrency, sealedNote, stepFacts } from './format-shared.js';
import type { Plan, PlannedHost, PlannedPhase, PlannedStep } from './types.js';

/** A double-quoted DOT string (labels: newlines become centred line breaks). */
export function dotString(text: string): string {
  const body = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n/g, '\\n')
    .replace(/[\x00-\x1f\x7f]/g, ' ');
  return `"${body}"`;
}

/** Hosts of a phase that run the same steps (and share their seal state), in inventory order. */
interface HostGroup {
  hosts: PlannedHost[];
  steps: PlannedStep[];
  sealed: SealRecord[];
}

const stepShape = (s: PlannedStep) => JSON.stringify([s.id, s.uses, s.title, s.retry, s.timeoutMs, s.when]);

function groupHosts(phase: PlannedPhase, sealed: Record<string, SealRecord>): HostGroup[] {
  const groups: HostGroup[] = [];
  const byShape = new Map<string, HostGroup>();
  for (const host of phase.hosts) {
    const seal = sealed[host.name];
    // Sealed hosts keep a cluster of their own: the note is about them.
    const shape = seal ? `sealed:${host.name}` : host.steps.map(stepShape).join('\n');
    let group = byShape.get(shape);
    if (!group) {
      group = { hosts: [], steps: host.steps, sealed: [] };
      byShape.set(shape, group);
      groups.push(group);
    }
    group.hosts.push(host);
    if (seal) group.sealed.push(seal);
  }
  return groups;
}

/** Host names, a few to a line, so a label of 20 hosts stays narrow. */
function hostList(hosts: PlannedHost[]): string {
  const names = hosts.map((h) => h.name);
  const lines: string[] = [];
  for (let i = 0; i < names.length; i += 4) lines.push(names.slice(i, i + 4).join(', '));
  return hosts.length > 1 ? `${hosts.length} hosts:\n${lines.join('\n')}` : lines.join('\n');
}

export function formatPlanDot(plan: Plan, sealed: Record<string, SealRecord> = {}): string {
  const out: string[] = ['digraph plan {'];
  out.push(`  graph [compound=true, rankdir=LR, newrank=true, fontname="Helvetica", labelloc=t, label=${dotString(`Plan ${plan.playbook}\nhash ${plan.hash}`)}];`);
  out.push('  node [shape=box, style=rounded, fontname="Helvetica"];');
  out.push('  edge [fontname="Helvetica"];');
  const ends: { first: string; last: string }[] = [];
  plan.phases.forEach((phase, i) => {
    const pid = `p${i + 1}`;
    const groups = groupHosts(phase, sealed);
    out.push(`  subgraph cluster_${pid} {`);
    out.push(`    label=${dotString(`Phase ${i + 1}: ${phase.name}\n${describeConcurrency(phase)}`)};`);
    const firsts: string[] = [];
    const lasts: string[] = [];
    if (groups.length === 0) {
      out.push(`    ${pid}_empty [label=${dotString('(no hosts match)')}, shape=plaintext];`);
      firsts.push(`${pid}_empty`);
      lasts.push(`${pid}_empty`);
    }
    groups.forEach((group, j0) => {
      const gid = `${pid}_g${j0 + 1}`;
      const seal = group.sealed.length ? `\n${group.sealed.map(sealedNote).join('\n')}` : '';
      out.push(`    subgraph cluster_${gid} {`);
      out.push(`      label=${dotString(`${hostList(group.hosts)}${seal}`)};`);
      if (seal) out.push('      style=dashed;');
      if (group.steps.length === 0) out.push(`      ${gid}_empty [label=${dotString('(no steps)')}, shape=plaintext];`);
      group.steps.forEach((step, k) => {
        const title = step.title !== step.id ? `\n${step.title}` : '';
        out.push(`      ${gid}_s${k + 1} [label=${dotString(`${k + 1}. ${step.id}${title}\n${stepFacts(step).join('\n')}`)}];`);
      });
      for (let k = 1; k < group.steps.length; k++) out.push(`      ${gid}_s${k} -> ${gid}_s${k + 1};`);
      out.push('    }');
      firsts.push(group.steps.length ? `${gid}_s1` : `${gid}_empty`);
      lasts.push(group.steps.length ? `${gid}_s${group.steps.length}` : `${gid}_empty`);
    });
    if (phase.serial) {
      for (let j = 1; j < groups.length; j++) {
        out.push(`    ${lasts[j - 1]} -> ${firsts[j]} [ltail=cluster_${pid}_g${j}, lhead=cluster_${pid}_g${j + 1}, style=dashed, label="then"];`);
      }
    }
    out.push('  }');
    ends.push({ first: firsts[0]!, last: lasts[0]! });
  });
  for (let i = 1; i < plan.phases.length; i++) {
    out.push(`  ${ends[i - 1]!.last} -> ${ends[i]!.first} [ltail=cluster_p${i}, lhead=cluster_p${i + 1}, style=bold];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

// `podsec-play plan --format mermaid`: the plan as a mermaid flowchart a reviewer can look at
// (phases in order, hosts inside them, each host's steps in order, serial hosts chained).
import type { SealRecord } from '../journal/types.js';
import { describeConcurrency, sealedNote, stepFacts } from './format-shared.js';
import type { Plan } from './types.js';

/** Text inside a quoted mermaid label: entity codes for the characters mermaid would interpret. */
export function mermaidLabel(text: string): string {
  return text
    .replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\n' : ' '))
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/&/g, '#amp;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/\n/g, '<br/>');
}

export function formatPlanMermaid(plan: Plan, sealed: Record<string, SealRecord> = {}): string {
  const out: string[] = ['flowchart TD'];
  out.push(`  %% plan ${plan.playbook.replace(/[\r\n]/g, ' ')} ${plan.hash}`);
  const phaseIds: string[] = [];
  plan.phases.forEach((phase, i) => {
    const pid = `p${i + 1}`;
    phaseIds.push(pid);
    out.push(`  subgraph ${pid}["${mermaidLabel(`Phase ${i + 1}: ${phase.name}\n${describeConcurrency(phase)}`)}"]`);
    out.push('    direction TB');
    if (phase.hosts.length === 0) out.push(`    ${pid}_empty["${mermaidLabel('(no hosts match)')}"]`);
    phase.hosts.forEach((host, j) => {
      const hid = `${pid}_h${j + 1}`;
      const seal = sealed[host.name] ? `\n${sealedNote(sealed[host.name]!)}` : '';
      out.push(`    subgraph ${hid}["${mermaidLabel(`${host.name}${seal}`)}"]`);
      out.push('      direction TB');
      if (host.steps.length === 0) out.push(`      ${hid}_empty["${mermaidLabel('(no steps)')}"]`);
      host.steps.forEach((step, k) => {
        const title = step.title !== step.id ? `\n${step.title}` : '';
        out.push(`      ${hid}_s${k + 1}["${mermaidLabel(`${k + 1}. ${step.id}${title}\n${stepFacts(step).join('\n')}`)}"]`);
      });
      for (let k = 1; k < host.steps.length; k++) out.push(`      ${hid}_s${k} --> ${hid}_s${k + 1}`);
      out.push('    end');
    });
    if (phase.serial) {
      for (let j = 1; j < phase.hosts.length; j++) out.push(`    ${pid}_h${j} -. then .-> ${pid}_h${j + 1}`);
    }
    out.push('  end');
  });
  for (let i = 1; i < phaseIds.length; i++) out.push(`  ${phaseIds[i - 1]} ==> ${phaseIds[i]}`);
  return out.join('\n') + '\n';
}

// `podsec-play plan` (text): the plan as a reviewer reads it, phase → hosts → steps, with the
// hash that says whether two plans are the same and the hosts an earlier run already sealed.
import type { SealRecord } from '../journal/types.js';
import { describeConcurrency, sealedNote, stepFacts } from './format-shared.js';
import type { Plan } from './types.js';

export function formatPlanText(plan: Plan, sealed: Record<string, SealRecord> = {}): string {
  const lines: string[] = [];
  lines.push(`Plan ${plan.playbook}`);
  lines.push(`  hash:      ${plan.hash}`);
  lines.push(`  playbook:  ${plan.playbookFile}`);
  lines.push(`  inventory: ${plan.inventoryFile}`);
  lines.push(`  engine:    ${plan.engineVersion}`);
  lines.push('');
  lines.push('Hosts:');
  const width = Math.max(0, ...plan.hosts.map((h) => h.name.length));
  for (const h of plan.hosts) {
    const where = h.transport === 'local' ? 'local' : `ssh ${h.user}@${h.address}:${h.port}`;
    const roles = h.roles.length ? `  [${h.roles.join(', ')}]` : '';
    const seal = sealed[h.name] ? `  ${sealedNote(sealed[h.name]!)}` : '';
    lines.push(`  ${h.name.padEnd(width)}  ${where}${roles}${seal}`);
  }
  plan.phases.forEach((phase, i) => {
    lines.push('');
    lines.push(`Phase ${i + 1}/${plan.phases.length} ${phase.name}: ${describeConcurrency(phase)}`);
    if (phase.hosts.length === 0) lines.push('  (no hosts match)');
    for (const host of phase.hosts) {
      const seal = sealed[host.name] ? `  ${sealedNote(sealed[host.name]!)}` : '';
      lines.push(`  ${host.name}${seal}`);
      host.steps.forEach((step, j) => {
        const title = step.title !== step.id ? `  ${step.title}` : '';
        lines.push(`    ${j + 1}. ${step.id}${title}  (${stepFacts(step).join('; ')})`);
      });
    }
  });
  return lines.join('\n') + '\n';
}

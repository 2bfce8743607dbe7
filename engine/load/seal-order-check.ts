// Sealing comes last: a step that turns SSH off may not run in the same phase as, or a phase
// before, a step that hands the admin the way in once SSH is off (a kind marked beforeSeal,
// such as the kubeconfig fetch). Checked from the playbook alone, with the seal step's position.
import type { Diagnostic } from '../errors.js';
import type { Playbook } from '../model.js';
import type { StepKind } from '../step-kind.js';
import type { YamlSource } from './yaml-source.js';

export function sealOrderDiagnostics(
  playbook: Playbook,
  source: YamlSource,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const prerequisites = playbook.phases.flatMap((phase, pi) =>
    phase.steps.filter((s) => findKind(s.uses)?.beforeSeal).map((s) => ({ pi, phase: phase.name, id: s.id, uses: s.uses })),
  );
  playbook.phases.forEach((phase, pi) => {
    phase.steps.forEach((step, si) => {
      if (!findKind(step.uses)?.sealsHost) return;
      const late = prerequisites.filter((p) => p.pi >= pi);
      if (late.length === 0) return;
      const names = late.map((p) => `"${p.id}" (${p.uses}, phase ${p.phase})`).join(', ');
      out.push(
        source.diag(
          ['phases', pi, 'steps', si, 'uses'],
          `"${step.id}" turns SSH off in phase ${phase.name}, but ${names} must have succeeded before any host is sealed: move the seal to a later phase`,
        ),
      );
    });
  });
  return out;
}

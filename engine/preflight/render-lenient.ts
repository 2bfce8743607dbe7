// A step's `with:` as far as it can be known before the run: fields whose expressions need
// outputs of steps that have not run yet are left out (a check then falls back to the default
// the step itself would take). `when:` that cannot be decided yet counts as true.
import { evaluateCondition, renderValue } from '../expr/render.js';
import type { ExprScope } from '../expr/resolve.js';
import type { PlannedStep } from '../plan/types.js';

export function renderLeniently(step: PlannedStep, shellFields: readonly string[], scope: ExprScope): { run: boolean; with: Record<string, unknown> } {
  let run = true;
  if (step.when !== undefined) {
    try {
      run = evaluateCondition(step.when, scope);
    } catch {
      run = true;
    }
  }
  const out: Record<string, unknown> = {};
  if (!run) return { run, with: out };
  for (const [k, v] of Object.entries(step.with)) {
    try {
      out[k] = renderValue(v, scope, shellFields.includes(k));
    } catch {
      // Not known before the run (an output of a later step): the step's default applies.
    }
  }
  return { run, with: out };
}

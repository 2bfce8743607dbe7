// Resolves a planned step's `with:` and `when:` for its host at the moment it runs (outputs
// of earlier steps are known by then), and validates the result against the kind's schema.
import { Ajv, type ValidateFunction } from 'ajv';
import { PlayError } from '../errors.js';
import { evaluateCondition, renderWith } from '../expr/render.js';
import type { ExprScope } from '../expr/resolve.js';
import type { PlannedStep } from '../plan/types.js';
import type { StepKind } from '../step-kind.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
const compiled = new WeakMap<object, ValidateFunction>();

export interface RenderedStep {
  run: boolean;
  with: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function renderStep(step: PlannedStep, kind: StepKind<any>, scope: ExprScope): RenderedStep {
  const when = step.when === undefined ? true : evaluateCondition(step.when, scope);
  if (!when) return { run: false, with: {} };
  const rendered = renderWith(step.with, scope, kind.shellFields ?? []);
  let validate = compiled.get(kind.schema);
  if (!validate) {
    validate = ajv.compile(kind.schema);
    compiled.set(kind.schema, validate);
  }
  if (!validate(rendered)) {
    const problems = (validate.errors ?? []).map((e) => `with${e.instancePath.replace(/\//g, '.')} ${e.message ?? 'is invalid'}`);
    throw new PlayError(`${step.at}: step "${step.id}" on ${step.host}: after resolving expressions, ${problems.join('; ')}`, {
      code: 'E_INPUT',
      host: step.host,
    });
  }
  return { run: true, with: rendered };
}

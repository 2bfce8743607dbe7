// Which secrets a playbook refers to: registered with the masker before a run starts, so a
// secret value that only ever reaches an output restored from the journal is masked too.
import type { Playbook } from '../model.js';
import { ExprSyntaxError, hasExpression, parseTemplate } from './parse.js';

export function referencedSecrets(playbook: Playbook): string[] {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (!hasExpression(value)) return;
      try {
        for (const seg of parseTemplate(value)) if (seg.kind === 'expr' && seg.path[0] === 'secrets' && seg.path[1]) names.add(seg.path[1]);
      } catch (err) {
        if (!(err instanceof ExprSyntaxError)) throw err;
      }
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === 'object') {
      Object.values(value).forEach(visit);
    }
  };
  for (const phase of playbook.phases) for (const step of phase.steps) visit([step.with, step.when]);
  return [...names];
}

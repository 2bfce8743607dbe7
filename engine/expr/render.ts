// Resolves the templates in a step's `with:` for one host. In shell fields each substituted
// value is quoted with quote(); elsewhere a lone expression keeps its type.
import { PlayError } from '../errors.js';
import { quote } from '../util/shell.js';
import { hasExpression, parseTemplate, soleExpression } from './parse.js';
import { lookup, type ExprScope } from './resolve.js';

export function renderValue(value: unknown, scope: ExprScope, shell: boolean): unknown {
  if (typeof value === 'string') return renderString(value, scope, shell);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope, shell));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope, shell);
    return out;
  }
  return value;
}

/** Render every field of `with:`; the kind's shellFields get shell quoting. */
export function renderWith(
  withValue: Record<string, unknown>,
  scope: ExprScope,
  shellFields: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(withValue)) out[k] = renderValue(v, scope, shellFields.includes(k));
  return out;
}

export function renderString(template: string, scope: ExprScope, shell: boolean): unknown {
  if (!hasExpression(template)) return template;
  if (!shell) {
    const sole = soleExpression(template);
    if (sole) return resolveOrThrow(sole.path, sole.source, scope);
  }
  return parseTemplate(template)
    .map((seg) => {
      if (seg.kind === 'text') return seg.text;
      const value = resolveOrThrow(seg.path, seg.source, scope);
      return shell ? quoteValue(value) : stringify(value);
    })
    .join('');
}

/**
 * For showing a step before it runs (plan titles): what resolves is filled in, the rest — outputs
 * of steps not yet run, secrets — stays as written, `${{ … }}` and all. Never throws.
 */
export function renderForDisplay(value: unknown, scope: ExprScope): unknown {
  if (typeof value === 'string') {
    if (!hasExpression(value)) return value;
    try {
      const sole = soleExpression(value);
      if (sole) {
        const found = lookup(sole.path, scope);
        return found.ok ? found.value : value;
      }
      return parseTemplate(value)
        .map((seg) => {
          if (seg.kind === 'text') return seg.text;
          const found = lookup(seg.path, scope);
          return found.ok ? stringify(found.value) : `\${{ ${seg.source} }}`;
        })
        .join('');
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((v) => renderForDisplay(v, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderForDisplay(v, scope)]));
  }
  return value;
}

/** `when:` — true unless the value is false, null, 0, '' or the strings "false"/"0"/"no". */
export function evaluateCondition(when: string | boolean | undefined, scope: ExprScope): boolean {
  if (when === undefined) return true;
  if (typeof when === 'boolean') return when;
  const value = renderString(when, scope, false);
  if (typeof value === 'string') return !['', 'false', '0', 'no'].includes(value.trim().toLowerCase());
  return Boolean(value);
}

function resolveOrThrow(path: string[], source: string, scope: ExprScope): unknown {
  const found = lookup(path, scope);
  if (!found.ok) throw new PlayError(`cannot resolve \${{ ${source} }}: ${found.why}`, { code: 'E_INPUT' });
  return found.value;
}

function quoteValue(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => quote(stringify(v))).join(' ');
  return quote(stringify(value));
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

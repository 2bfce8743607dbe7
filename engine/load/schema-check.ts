// ajv against our JSON Schemas, with every error mapped to `file:line:col: message` and worded
// for a person (the key that is wrong or missing, what is allowed).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { pointerToPath, type PathSegment, type YamlSource } from './yaml-source.js';

// verbose: errors carry parentSchema, whose description and properties word the messages.
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false, verbose: true });
const cache = new WeakMap<object, ValidateFunction>();

export function compile(schema: object): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

export interface SchemaCheckOptions {
  /** Where `data` sits inside the YAML document (for positions). */
  basePath?: PathSegment[];
  /** Skip errors about values for which this returns true (e.g. unresolved expressions). */
  ignoreValueAt?: (path: PathSegment[]) => boolean;
  /** Prefix for messages, e.g. `with (shell)`. */
  label?: string;
}

export function schemaDiagnostics(source: YamlSource, data: unknown, schema: object, options: SchemaCheckOptions = {}): Diagnostic[] {
  const validate = compile(schema);
  if (validate(data)) return [];
  const base = options.basePath ?? [];
  const errors = simplify(validate.errors ?? []);
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const rel = pointerToPath(e.instancePath);
    if (options.ignoreValueAt?.(rel)) continue;
    const { path, message, key } = describe(e, rel);
    const d = source.diag([...base, ...path], options.label ? `${options.label}: ${message}` : message, { key });
    const id = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(d);
    }
  }
  return out;
}

// oneOf/anyOf failures produce one error per branch: keep only the oneOf error itself.
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  return errors.filter((e) => {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') return true;
    return !unions.some((u) => e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath));
  });
}

function describe(e: ErrorObject, rel: PathSegment[]): { path: PathSegment[]; message: string; key: boolean } {
  const where = rel.length ? `"${rel.join('.')}"` : 'it';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: rel, message: `${rel.length ? `${where} is ` : ''}missing the required key "${String(params.missingProperty)}"`, key: false };
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = allowed.length ? ` (allowed: ${allowed.join(', ')})` : '';
      return { path: [...rel, extra], message: `unknown key "${extra}"${didYouMean(extra, allowed)}${hint}`, key: true };
    }
    case 'type':
      return { path: rel, message: `${where} must be ${article(String(params.type))}`, key: false };
    case 'enum':
      return { path: rel, message: `${where} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`, key: false };
    case 'pattern': {
      const custom = (e.parentSchema as { patternErrorMessage?: string } | undefined)?.patternErrorMessage;
      if (custom) return { path: rel, message: `${where} ${custom}`, key: false };
      const desc = (e.parentSchema as { description?: string } | undefined)?.description;
      return { path: rel, message: `${where} must match /${String(params.pattern)}/${desc ? ` (${desc.replace(/\.$/, '')})` : ''}`, key: false };
    }
    case 'oneOf':
    case 'anyOf': {
      const custom = (e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
      if (custom) return { path: rel, message: `${where} ${custom}`, key: false };
      const desc = (e.parentSchema as { description?: string } | undefined)?.description;
      return { path: rel, message: `${where} ${desc ? `is not valid: ${desc}` : 'has the wrong form'}`, key: false };
    }
    case 'not': {
      const desc = (e.parentSchema as { description?: string } | undefined)?.description;
      return { path: rel, message: desc ?? `${where} has a combination of keys that is not allowed`, key: false };
    }
    case 'minItems':
      return { path: rel, message: `${where} must have at least ${String(params.limit)} item(s)`, key: false };
    case 'minLength':
      return { path: rel, message: `${where} must not be empty`, key: false };
    case 'propertyNames':
      return { path: [...rel, String(params.propertyName)], message: `invalid name "${String(params.propertyName)}"`, key: true };
    default:
      return { path: rel, message: `${where} ${e.message ?? 'is invalid'}`, key: false };
  }
}

function article(type: string): string {
  if (type.includes(',')) return `one of: ${type}`;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

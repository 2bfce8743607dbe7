// schemas/playbook.schema.json for editors: the engine's playbook shape with every step kind
// folded in — `uses` is an enum of the kinds, and `with:` is checked against the chosen kind's
// own schema (if/then on `uses`). Made from steps/index.ts, so a new kind appears by itself;
// `npm run schemas` writes the file and test/schemas/ fails when the committed copy is stale.
import { PLAYBOOK_SHAPE } from '../../engine/load/playbook-shape.js';
import type { JsonSchema, StepKind } from '../../engine/step-kind.js';

/** A value that is one `${{ … }}` expression (or a string with some in it): accepted anywhere,
 * since the engine checks the value after rendering. */
const EXPRESSION: JsonSchema = {
  type: 'string',
  pattern: '\\$\\{\\{.*\\}\\}',
  description: 'An expression: ${{ vars.X }}, ${{ host.name }}, ${{ steps.ID.outputs.NAME }}, ${{ secrets.NAME }}…',
};

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every value under `with:` may also be an expression: wrap each property's schema. */
function allowExpressions(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (isObject(schema.properties)) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, orExpression(v as Schema)]));
  }
  if (isObject(schema.additionalProperties)) out.additionalProperties = orExpression(schema.additionalProperties);
  if (isObject(schema.items)) out.items = orExpression(schema.items);
  return out;
}

function orExpression(schema: Schema): Schema {
  const inner = allowExpressions(schema);
  const { description, ...rest } = inner;
  return { ...(typeof description === 'string' ? { description } : {}), anyOf: [rest, EXPRESSION] };
}

const definitionName = (kind: string) => `with-${kind}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function playbookSchema(kinds: readonly StepKind<any>[]): JsonSchema {
  const shape = structuredClone(PLAYBOOK_SHAPE) as unknown as Schema & { definitions: Record<string, Schema> };
  const step = shape.definitions.step as Schema & { properties: Record<string, Schema> };
  const names = kinds.map((k) => k.kind);
  step.properties.uses = {
    description: 'The step kind: one of the kinds in steps/.',
    enum: names,
    markdownEnumDescriptions: kinds.map((k) => k.description),
  };
  step.allOf = kinds.map((k) => {
    const needsWith = Array.isArray(k.schema.required) && k.schema.required.length > 0;
    return {
      if: { properties: { uses: { const: k.kind } }, required: ['uses'] },
      then: { properties: { with: { $ref: `#/definitions/${definitionName(k.kind)}` } }, ...(needsWith ? { required: ['with'] } : {}) },
    };
  });
  for (const k of kinds) {
    shape.definitions[definitionName(k.kind)] = { description: `with: of ${k.kind} — ${k.description}`, ...allowExpressions(k.schema) };
  }
  return shape;
}

/** The file's text: stable key order as built, two-space JSON, a final newline. */
export function playbookSchemaText(kinds: Parameters<typeof playbookSchema>[0]): string {
  return JSON.stringify(playbookSchema(kinds), null, 2) + '\n';
}

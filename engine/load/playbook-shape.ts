// The shape of a playbook, the part the engine checks before it knows the step kinds: phases,
// steps, retries, durations. Each kind's `with:` is checked against the kind's own schema in
// cross-check.ts. The published schemas/playbook.schema.json is this shape with every step kind
// folded in (cli/schemas/playbook-schema.ts, `npm run schemas`).
import { DURATION_OR_SECONDS_SCHEMA } from '../util/duration.js';

export const PLAYBOOK_SHAPE = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://podsec-play.dev/schemas/playbook.schema.json',
  title: 'podsec-play playbook',
  description: 'Phases run one after another; inside a phase, hosts run in parallel (up to concurrency) and each host runs the steps in order.',
  type: 'object',
  required: ['name', 'phases'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, description: 'Playbook name, shown in reports.' },
    description: { type: 'string' },
    vars: { type: 'object', description: 'Variables for ${{ vars.NAME }} expressions.' },
    phases: { type: 'array', minItems: 1, items: { $ref: '#/definitions/phase' } },
  },
  definitions: {
    duration: DURATION_OR_SECONDS_SCHEMA,
    phase: {
      type: 'object',
      required: ['name', 'hosts', 'steps'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'Phase name: letters, digits, _ . -' },
        hosts: {
          description: 'Roles, host names, or "all".',
          oneOf: [
            { type: 'string', minLength: 1 },
            { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          ],
        },
        concurrency: { type: 'integer', minimum: 1, description: 'At most this many hosts at once (default: all).' },
        serial: { type: 'boolean', description: 'One host at a time, in inventory order.' },
        skipSealed: {
          type: 'boolean',
          description:
            'Leave out hosts whose SSH an earlier run turned off (they are members already, reached only through the Kubernetes API): their steps in this phase are skipped without connecting. Default false: a step that needs SSH on a sealed host stops the run before it starts.',
        },
        steps: { type: 'array', minItems: 1, items: { $ref: '#/definitions/step' } },
      },
    },
    step: {
      type: 'object',
      required: ['id', 'uses'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$', description: 'Step id: unique among the steps a host runs.' },
        name: { type: 'string', description: 'Title shown in reports.' },
        uses: { type: 'string', minLength: 1, description: 'The step kind (a file in steps/).' },
        with: { type: 'object', description: "The kind's parameters (each kind has its own schema)." },
        retry: {
          type: 'object',
          additionalProperties: false,
          properties: {
            attempts: { type: 'integer', minimum: 1, maximum: 100 },
            delay: { $ref: '#/definitions/duration' },
            backoff: { type: 'number', minimum: 1 },
            maxDelay: { $ref: '#/definitions/duration' },
          },
        },
        timeout: { $ref: '#/definitions/duration' },
        when: { type: ['string', 'boolean'], description: 'Run only when true (an expression).' },
      },
    },
  },
} as const;

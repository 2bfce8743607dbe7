// The shape of a state file, checked before anything reads it: valid JSON of the wrong shape (a
// hand edit, another program's file, a damaged byte that still parses) is refused with the place
// and what was expected, never a TypeError later in `run` or `status`. Whatever passes here,
// run, resume and status can read.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const str = { type: 'string' };
const time = { type: 'string', minLength: 1 };
const stepStatus = { enum: ['pending', 'running', 'retrying', 'succeeded', 'skipped', 'failed'] };
const skipReason = { enum: ['done', 'check', 'creates', 'when', 'deferred', 'not-reached'] };
const errorInfo = {
  type: 'object',
  required: ['code', 'message'],
  additionalProperties: false,
  properties: { code: str, message: str, exitCode: { type: 'integer' }, command: str, output: str },
};
const outputs = { type: 'object', additionalProperties: str };

/** Fields a step record may have, and those every record needs. */
const stepFields = {
  key: str,
  phase: str,
  host: str,
  step: str,
  uses: str,
  title: str,
  status: stepStatus,
  attempts: { type: 'integer', minimum: 0 },
  startedAt: time,
  endedAt: time,
  nextAttemptAt: time,
  outputs,
  secretOutputs: { type: 'array', items: str },
  skipReason,
  error: errorInfo,
  runId: str,
};
const stepRecord = {
  type: 'object',
  required: ['key', 'phase', 'host', 'step', 'uses', 'title', 'status', 'attempts'],
  additionalProperties: false,
  properties: stepFields,
};
const sealRecord = {
  type: 'object',
  required: ['host', 'address', 'port', 'runId', 'at'],
  additionalProperties: false,
  properties: { host: str, address: str, port: { type: 'integer', minimum: 0, maximum: 65535 }, runId: str, at: time },
};
const runRecord = {
  type: 'object',
  required: ['runId', 'startedAt', 'outcome', 'pid'],
  additionalProperties: false,
  properties: {
    runId: str,
    startedAt: time,
    endedAt: time,
    outcome: { enum: ['running', 'succeeded', 'failed', 'interrupted'] },
    pid: { type: 'integer' },
    pidStart: str,
  },
};

// A host's facts (engine/facts/types.ts): what status and the steps read from them must be
// there, of the right type; the rest is checked only for being of the right kind of container.
const facts = {
  type: 'object',
  required: ['gatheredAt', 'os', 'packages', 'interfaces', 'routes', 'time', 'swap', 'cgroup', 'sysctl', 'listening', 'disk', 'paths', 'unknown'],
  properties: {
    gatheredAt: time,
    os: { type: 'object', additionalProperties: str },
    platform: str,
    kernel: str,
    arch: str,
    hostname: str,
    machineId: str,
    packages: { type: 'object', additionalProperties: str },
    interfaces: { type: 'object', additionalProperties: { type: 'object' } },
    routes: { type: 'array', items: { type: 'object' } },
    defaultRoute: { type: 'object' },
    internal: {
      type: 'object',
      required: ['address', 'interface', 'prefix', 'subnet'],
      properties: { address: str, interface: str, prefix: { type: 'integer' }, subnet: str },
    },
    sshAddress: str,
    time: { type: 'object', properties: { epochMs: { type: 'number' }, skewMs: { type: 'number' }, synchronized: { type: 'boolean' }, ntp: { type: 'boolean' }, source: str } },
    swap: { type: 'object', required: ['on', 'devices'], properties: { on: { type: 'boolean' }, devices: { type: 'array', items: { type: 'object' } } } },
    cgroup: { type: 'object' },
    sysctl: { type: 'object', additionalProperties: str },
    listening: { type: 'array', items: { type: 'object' } },
    disk: { type: 'object' },
    apt: { type: 'object' },
    paths: { type: 'object', additionalProperties: { type: 'boolean' } },
    unknown: { type: 'object', additionalProperties: str },
  },
};

const stateSchema = {
  type: 'object',
  required: ['format', 'engineVersion', 'planHash', 'playbook', 'playbookFile', 'inventoryFile', 'runs', 'steps'],
  additionalProperties: false,
  properties: {
    format: { const: 1 },
    engineVersion: str,
    planHash: str,
    playbook: str,
    playbookFile: str,
    inventoryFile: str,
    runs: { type: 'array', items: runRecord },
    steps: { type: 'object', additionalProperties: stepRecord },
    sealed: { type: 'object', additionalProperties: sealRecord },
    sealSent: { type: 'object', additionalProperties: sealRecord },
    facts: { type: 'object', additionalProperties: facts },
  },
};

// One appended line: a step patch (null removes an optional field), a seal, a sent seal, a run.
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const lineSchema = {
  oneOf: [
    {
      type: 'object',
      required: ['step', 'set'],
      additionalProperties: false,
      properties: {
        step: str,
        set: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(Object.entries(stepFields).map(([k, v]) => [k, nullable(v)])),
        },
      },
    },
    { type: 'object', required: ['seal'], additionalProperties: false, properties: { seal: sealRecord } },
    { type: 'object', required: ['sealSent'], additionalProperties: false, properties: { sealSent: sealRecord } },
    { type: 'object', required: ['run'], additionalProperties: false, properties: { run: runRecord } },
    {
      type: 'object',
      required: ['facts'],
      additionalProperties: false,
      properties: { facts: { type: 'object', required: ['host', 'facts'], additionalProperties: false, properties: { host: str, facts } } },
    },
  ],
};

const ajv = new Ajv({ allErrors: false, strict: false });
let validateState: ValidateFunction | undefined;
let validateLine: ValidateFunction | undefined;

/** Why `value` is not a state snapshot, or undefined when it is one. */
export function stateShapeProblem(value: unknown): string | undefined {
  validateState ??= ajv.compile(stateSchema);
  return validateState(value) ? undefined : describe(validateState.errors);
}

/** Why `value` is not a journal line, or undefined when it is one. */
export function lineShapeProblem(value: unknown): string | undefined {
  validateLine ??= ajv.compile(lineSchema);
  if (validateLine(value)) return undefined;
  // oneOf reports every branch; name the one the line meant (by its key) when it has one.
  const v = value as Record<string, unknown> | null;
  const meant = v && typeof v === 'object' && !Array.isArray(v) ? ['step', 'seal', 'sealSent', 'run', 'facts'].find((k) => k in v) : undefined;
  if (!meant) return 'not a journal record';
  const branch = (lineSchema.oneOf as { properties: object }[]).find((b) => meant in b.properties)!;
  const check = ajv.compile(branch);
  check(value);
  return describe(check.errors);
}

/** The state as a whole, after the lines were applied: also the step keys' consistency. */
export function appliedStateProblem(value: unknown): string | undefined {
  const problem = stateShapeProblem(value);
  if (problem) return problem;
  const steps = (value as { steps: Record<string, { key: string }> }).steps;
  for (const [key, rec] of Object.entries(steps)) if (rec.key !== key) return `the step record under "${key}" says its key is "${rec.key}"`;
  return undefined;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'wrong shape';
  const where = e.instancePath ? e.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.') : 'the record';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${where} lacks "${String(params.missingProperty)}"`;
    case 'additionalProperties':
      return `${where} has an unknown field "${String(params.additionalProperty)}"`;
    case 'enum':
      return `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return `${where} ${e.message ?? 'has the wrong shape'}`;
  }
}

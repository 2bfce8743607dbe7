// The schemas an editor uses (yaml-language-server, VS Code…): the playbook schema knows every
// step kind and each kind's `with:`, is made from steps/index.ts and never stale, accepts every
// shipped playbook (expressions included) and rejects what validate rejects; every shipped YAML
// file names its schema on its first line.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { playbookSchemaText } from '../../cli/schemas/playbook-schema.js';
import { stepKinds } from '../../steps/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schemaFile = join(root, 'schemas', 'playbook.schema.json');
const playbooks = readdirSync(join(root, 'playbooks')).filter((f) => f.endsWith('.yaml')).map((f) => join(root, 'playbooks', f));
const inventories = readdirSync(join(root, 'playbooks', 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => join(root, 'playbooks', 'examples', f));

/** As an editor validates: draft-07, every error, unknown keywords (markdown, messages) ignored. */
function editorValidator(file: string) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
}
const validatePlaybook = editorValidator(schemaFile);

function errorsOf(doc: unknown): ErrorObject[] {
  return validatePlaybook(doc) ? [] : (validatePlaybook.errors ?? []);
}

const step = (s: string) => parse(`name: t\nphases:\n  - name: p\n    hosts: all\n    steps:\n${s}`);

describe('schemas/playbook.schema.json', () => {
  it('is what `npm run schemas` makes from the step kinds (run it after changing a kind)', () => {
    expect(readFileSync(schemaFile, 'utf8'), 'schemas/playbook.schema.json is stale: run npm run schemas').toBe(playbookSchemaText(stepKinds));
  });

  it('lists every step kind in uses and has a with: schema for each', () => {
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    expect(schema.definitions.step.properties.uses.enum).toEqual(stepKinds.map((k) => k.kind));
    for (const k of stepKinds) expect(schema.definitions[`with-${k.kind}`], k.kind).toBeDefined();
  });

  it.each(playbooks.map((f) => [f.slice(root.length), f]))('accepts the shipped %s', (_name, file) => {
    expect(errorsOf(parse(readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('rejects uses: shel with the list of kinds', () => {
    const errors = errorsOf(step('      - { id: a, uses: shel, with: { run: "true" } }'));
    const uses = errors.find((e) => e.instancePath === '/phases/0/steps/0/uses');
    expect(uses?.keyword).toBe('enum');
    expect(uses?.params).toMatchObject({ allowedValues: expect.arrayContaining(['shell', 'kubeadm-init']) });
  });

  it('checks with: against the kind: an unknown key, a missing required key, a wrong type', () => {
    const unknown = errorsOf(step('      - { id: a, uses: shell, with: { run: "true", runn: x } }'));
    expect(unknown).toContainEqual(expect.objectContaining({ instancePath: '/phases/0/steps/0/with', keyword: 'additionalProperties', params: { additionalProperty: 'runn' } }));
    const missing = errorsOf(step('      - { id: a, uses: shell, with: { creates: /x } }'));
    expect(missing).toContainEqual(expect.objectContaining({ keyword: 'required', params: { missingProperty: 'run' } }));
    const noWith = errorsOf(step('      - { id: a, uses: shell }'));
    expect(noWith).toContainEqual(expect.objectContaining({ keyword: 'required', params: { missingProperty: 'with' } }));
    const wrongType = errorsOf(step('      - { id: a, uses: haproxy, with: { port: eighty } }'));
    expect(wrongType.some((e) => e.instancePath === '/phases/0/steps/0/with/port')).toBe(true);
    // the same field given by an expression is for the engine to check after rendering
    expect(errorsOf(step('      - { id: a, uses: haproxy, with: { port: "${{ vars.port }}" } }'))).toEqual([]);
  });

  it('says what a duration looks like', () => {
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    expect(schema.definitions.duration.errorMessage).toBe('must be a number of seconds or a duration such as 500ms, 30s, 5m, 2h or 1d');
    expect(schema.definitions['with-wait-nodes-ready'].properties.timeout.anyOf[0].patternErrorMessage).toBe('must be a duration such as 500ms, 30s, 5m, 2h or 1d');
    expect(errorsOf(step('      - { id: a, uses: shell, with: { run: "true" }, timeout: 5 minutes }')).length).toBeGreaterThan(0);
    expect(errorsOf(step('      - { id: a, uses: shell, with: { run: "true" }, timeout: 1d, retry: { delay: 1.5s } }'))).toEqual([]);
  });
});

describe('the yaml-language-server line', () => {
  it.each([...playbooks, ...inventories].map((f) => [f.slice(root.length), f]))('%s names its schema on the first line', (_name, file) => {
    const first = readFileSync(file, 'utf8').split('\n')[0]!;
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, first).not.toBeNull();
    const target = resolve(dirname(file), m![1]!);
    expect(existsSync(target), target).toBe(true);
    const kind = file.includes('/examples/') ? 'inventory' : 'playbook';
    expect(target).toBe(join(root, 'schemas', `${kind}.schema.json`));
    // and the file is valid against it
    expect(editorValidator(target)(parse(readFileSync(file, 'utf8')))).toBe(true);
  });
});

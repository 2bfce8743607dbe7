// YAML that tries to exhaust podsec-play (issue 10, items 9 and 10) is bad input like any other:
// exit 2 with FILE:LINE:COL, from validate, plan and run alike — an alias bomb, an alias with no
// anchor, an alias inside the node it names, nesting 3000 deep; and a file over the size limit is
// refused before it is parsed (a 400,000-key map used to never finish), while the largest allowed
// file validates. Duplicate keys are still found, in linear time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_DEPTH, MAX_INPUT_BYTES } from '../../engine/load/yaml-limits.js';
import { runCli, stopStrayProcesses } from '../helpers/cli.js';
import { localInventory, workdir } from '../helpers/workdir.js';

afterEach(stopStrayProcesses);

const STEPS = 'phases:\n  - name: x\n    hosts: all\n    steps:\n      - { id: s, uses: shell, with: { run: echo hi } }\n';

const CASES: { name: string; text: string; at: string; message: RegExp }[] = [
  {
    name: 'an alias bomb',
    text:
      'name: p\nvars:\n  a: &a ["x","x","x","x","x","x","x","x","x"]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n' +
      STEPS,
    at: '5:10',
    message: /aliases expand to too much data \(more than 100 expansions: an alias bomb\?\)/,
  },
  { name: 'an alias without its anchor', text: `name: p\nvars: { a: *nope }\n${STEPS}`, at: '2:12', message: /unknown alias \*nope: no anchor &nope before it/ },
  { name: 'an alias inside the node it names', text: `name: p\nvars: &v {a: *v}\n${STEPS}`, at: '2:14', message: /alias \*v is inside the node &v names: a cycle/ },
  { name: 'block sequences nested 3000 deep', text: `name: p\nvars:\n  a:\n    ${'- '.repeat(3000)}x\n${STEPS}`, at: '4:5', message: /nested more than 64 levels deep/ },
  { name: 'flow mappings nested 3000 deep', text: `name: p\nvars: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}\n${STEPS}`, at: '2:', message: /nested more than 64 levels deep/ },
  { name: `collections nested ${MAX_DEPTH + 1} deep (parseable, still refused)`, text: `name: p\nvars: ${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}\n${STEPS}`, at: '2:', message: /nested more than 64 levels deep/ },
];

describe('YAML resource abuse is bad input with a position', () => {
  it.each(CASES)('$name: validate, plan and run exit 2 at FILE:LINE:COL', async ({ text, at, message }) => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = join(dir, 'abuse.yaml');
    writeFileSync(pb, text);
    for (const args of [['validate', pb, '-i', inv], ['plan', pb, '-i', inv], ['run', pb, '-i', inv, '--plain']]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${pb}:${at}`);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/Maximum call stack|\bat .*\.js:\d+/);
    }
  });

  it('the same holds for an inventory', async () => {
    const dir = workdir();
    const inv = join(dir, 'inventory.yaml');
    writeFileSync(inv, `cluster: &c { name: x, keepSsh: true, extra: *c }\nhosts:\n  - { name: h1, address: 127.0.0.1, transport: local }\n`);
    const pb = join(dir, 'pb.yaml');
    writeFileSync(pb, `name: p\n${STEPS}`);
    const r = await runCli(['validate', pb, '-i', inv], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${inv}:1:46: alias *c is inside the node &c names: a cycle`);
  });

  it('a duplicate key is still an error at its position', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = join(dir, 'dup.yaml');
    writeFileSync(pb, `name: p\nvars:\n  a: 1\n  b: 2\n  a: 3\n${STEPS}`);
    const r = await runCli(['validate', pb, '-i', inv], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${pb}:5:3: Map keys must be unique: "a" is already a key of this map, at line 3`);
  });
});

describe('the size limit', () => {
  it(`a file over ${MAX_INPUT_BYTES} bytes is refused with exit 2 before it is read (a 400,000-key map)`, async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = join(dir, 'huge.yaml');
    writeFileSync(pb, `name: p\nvars:\n${Array.from({ length: 400_000 }, (_, i) => `  k${i}: ${i}`).join('\n')}\n${STEPS}`);
    const r = await runCli(['validate', pb, '-i', inv], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${pb}:1:1: the file is \\d+ bytes; podsec-play reads at most ${MAX_INPUT_BYTES} bytes \\(128 KiB\\) of YAML`));
  });

  it('the largest file allowed validates; one byte more is refused', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    let text = 'name: p\nvars:\n';
    for (let i = 0; Buffer.byteLength(text) + 20 + STEPS.length < MAX_INPUT_BYTES; i++) text += `  k${i}: ${i}\n`;
    text += STEPS;
    text += '#'.repeat(MAX_INPUT_BYTES - Buffer.byteLength(text) - 1) + '\n';
    expect(Buffer.byteLength(text)).toBe(MAX_INPUT_BYTES);
    const pb = join(dir, 'max.yaml');
    writeFileSync(pb, text);
    const ok = await runCli(['validate', pb, '-i', inv], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    writeFileSync(pb, `${text}#`);
    const over = await runCli(['validate', pb, '-i', inv], { cwd: dir });
    expect(over.code).toBe(2);
    expect(over.stderr).toContain(`${pb}:1:1: the file is ${MAX_INPUT_BYTES + 1} bytes`);
  });

  it('a secrets file over the limit is refused without a word of its content', async () => {
    const dir = workdir();
    const secrets = join(dir, 'secrets.yaml');
    writeFileSync(secrets, `PW: TopSecretValue\n${'#'.repeat(MAX_INPUT_BYTES)}\n`);
    const inv = join(dir, 'inventory.yaml');
    writeFileSync(inv, `cluster: { name: x }\nsecretsFile: ./secrets.yaml\nhosts:\n  - { name: h1, address: 127.0.0.1, transport: local }\n`);
    const pb = join(dir, 'pb.yaml');
    writeFileSync(pb, `name: p\n${STEPS}`);
    const r = await runCli(['validate', pb, '-i', inv], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${secrets}: cannot read secrets file: larger than ${MAX_INPUT_BYTES} bytes`);
    expect(r.stderr).not.toContain('TopSecretValue');
  });
});

// A table of broken playbooks and inventories: each with the message and line:col expected.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.js';
import { loadInputs } from '../../engine/load/index.js';
import { stepKinds } from '../../steps/index.js';
import { Masker } from '../../engine/secrets/masker.js';

const dir = mkdtempSync(join(tmpdir(), 'podsec-play-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INVENTORY = `cluster:
  name: test
hosts:
  - name: w1
    address: 127.0.0.1
    roles: [worker]
    vars: { zone: a }
  - name: m1
    address: 127.0.0.1
    roles: [master]
`;

const OK_PHASE = `phases:
  - name: p
    hosts: [worker]
    steps:
      - id: s
        uses: shell
        with: { run: "true" }
`;

interface Case {
  name: string;
  playbook?: string;
  inventory?: string;
  /** `line:col message-substring`, one per expected diagnostic, in order. */
  expect: string[];
  file?: 'playbook' | 'inventory';
  env?: Record<string, string>;
}

const cases: Case[] = [
  { name: 'YAML syntax: bad indentation', playbook: 'name: x\nphases:\n  - name: p\n   hosts: [all]\n', expect: ['4:'] },
  { name: 'YAML syntax: unclosed flow sequence', playbook: 'name: x\nphases: [\n', expect: ['3:1'] },
  { name: 'YAML: duplicate key', playbook: `name: x\nname: y\n${OK_PHASE}`, expect: ['2:1 Map keys must be unique'] },
  { name: 'missing name', playbook: OK_PHASE, expect: ['1:1 missing the required key "name"'] },
  { name: 'missing phases', playbook: 'name: x\n', expect: ['1:1 missing the required key "phases"'] },
  { name: 'unknown top-level key', playbook: `name: x\nfoo: 1\n${OK_PHASE}`, expect: ['2:1 unknown key "foo"'] },
  { name: 'phases is not a list', playbook: 'name: x\nphases: 3\n', expect: ['2:9 "phases" must be an array'] },
  { name: 'empty phases', playbook: 'name: x\nphases: []\n', expect: ['2:9 at least 1 item'] },
  { name: 'phase without steps', playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n', expect: ['3:5 missing the required key "steps"'] },
  { name: 'step without uses', playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n', expect: ['6:9 missing the required key "uses"'] },
  {
    name: 'concurrency not an integer',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    concurrency: two\n    steps:\n      - { id: s, uses: shell, with: { run: "true" } }\n',
    expect: ['5:18 "phases.0.concurrency" must be an integer'],
  },
  {
    name: 'concurrency zero',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    concurrency: 0\n    steps:\n      - { id: s, uses: shell, with: { run: "true" } }\n',
    expect: ['5:18 must be >= 1'],
  },
  {
    name: 'bad duration',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with: { run: "true" }\n        timeout: 5 minutes\n',
    expect: ['9:18 "phases.0.steps.0.timeout" must be a number of seconds or a duration such as 500ms, 30s, 5m, 2h or 1d'],
  },
  {
    name: 'unknown retry key',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with: { run: "true" }\n        retry: { attempts: 2, tries: 3 }\n',
    expect: ['9:31 unknown key "tries"'],
  },
  {
    name: 'bad step id',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: 1st step\n        uses: shell\n        with: { run: "true" }\n',
    expect: ['6:13 "phases.0.steps.0.id" must match'],
  },
  {
    name: 'unknown step kind',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shel\n',
    expect: ['7:15 unknown step kind "shel"'],
  },
  {
    name: 'shell without run',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with: { creates: /x }\n',
    expect: ['8:15 with (shell): missing the required key "run"'],
  },
  {
    name: 'shell with an unknown key',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: "true"\n          command: ls\n',
    expect: ['10:11 with (shell): unknown key "command"'],
  },
  {
    name: 'wait-for with a bad interval',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: wait-for\n        with: { run: "true", interval: soon }\n',
    expect: ['8:40 with (wait-for): "interval" must be a number of seconds or a duration such as 500ms, 30s, 5m, 2h or 1d'],
  },
  {
    name: 'shell with creates: and outputs: together',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with: { run: "echo x", creates: /x, outputs: { o: { regex: x } } }\n',
    expect: ['8:15 with (shell): creates: and outputs: cannot go together'],
  },
  {
    name: 'duplicate step id in a phase',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - { id: s, uses: shell, with: { run: a } }\n      - { id: s, uses: shell, with: { run: b } }\n',
    expect: ['7:15 duplicate step id "s"'],
  },
  {
    name: 'duplicate phase name',
    playbook: `name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - { id: a, uses: shell, with: { run: a } }\n  - name: p\n    hosts: all\n    steps:\n      - { id: b, uses: shell, with: { run: b } }\n`,
    expect: ['7:11 duplicate phase name "p"'],
  },
  {
    name: 'unterminated expression',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with: { run: "echo ${{ vars.a" }\n',
    expect: ['8:28 unterminated expression'],
  },
  {
    name: 'expression with an operator',
    playbook: 'name: x\nvars: { a: 1 }\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ vars.a + 1 }}\n',
    expect: ['10:21 invalid expression "vars.a + 1"'],
  },
  {
    name: 'unknown var',
    playbook: 'name: x\nvars: { a: 1 }\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ vars.b }}\n',
    expect: ['10:21 cannot resolve ${{ vars.b }}: vars has no "b"'],
  },
  {
    name: 'a fact that does not exist (facts are known at run time, their shape before)',
    inventory: INVENTORY,
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ host.facts.intrenal.interface }}\n',
    expect: ['9:21 cannot resolve ${{ host.facts.intrenal.interface }}: host.facts has no "intrenal" (it has: gatheredAt, os,'],
  },
  {
    name: "a field below another host's facts that does not exist (playbook alone)",
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ role.master.facts.internal.iface }}\n',
    expect: ['9:21 cannot resolve ${{ role.master.facts.internal.iface }}: role.master.facts.internal has no "iface" (it has: address, interface, prefix, subnet)'],
  },
  {
    name: 'unknown var inside a block scalar',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: |\n            echo one\n            echo ${{ vars.nope }}\n',
    expect: ['11:18 cannot resolve ${{ vars.nope }}'],
  },
  {
    name: 'unknown var after escapes in a double-quoted scalar',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with: { run: "echo \\"a\\" ${{ vars.nope }}" }\n',
    expect: ['8:34 cannot resolve ${{ vars.nope }}'],
  },
  {
    name: 'unknown expression root',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ env.HOME }}\n',
    expect: ['9:21 unknown name "env"'],
  },
  {
    name: 'output of a later step',
    playbook:
      'name: x\nphases:\n  - name: p\n    hosts: [worker]\n    steps:\n      - id: a\n        uses: shell\n        with:\n          run: echo ${{ steps.b.outputs.x }}\n      - id: b\n        uses: shell\n        with: { run: "echo x", outputs: { x: { regex: x } } }\n',
    inventory: INVENTORY,
    expect: ['9:21 step "b" has not run on w1 before this step'],
  },
  {
    name: 'undeclared output',
    playbook:
      'name: x\nphases:\n  - name: p\n    hosts: [worker]\n    steps:\n      - id: a\n        uses: shell\n        with: { run: "echo x", outputs: { x: { regex: x } } }\n      - id: b\n        uses: shell\n        with:\n          run: echo ${{ steps.a.outputs.y }}\n',
    inventory: INVENTORY,
    expect: ['12:21 step "a" has no output "y" (it has: x)'],
  },
  {
    name: 'unknown role in hosts',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: [worker, lb]\n    steps:\n      - { id: s, uses: shell, with: { run: "true" } }\n',
    inventory: INVENTORY,
    expect: ['4:21 "lb" is neither a role nor a host'],
  },
  {
    name: 'host var missing on one host',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ host.vars.zone }}\n',
    inventory: INVENTORY,
    expect: ['9:21 host.vars has no "zone" (on host m1)'],
  },
  {
    name: 'secret not set',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ secrets.NOPE_NOT_SET }}\n',
    inventory: INVENTORY,
    expect: ['9:21 secret "NOPE_NOT_SET" is not set'],
  },
  {
    name: 'cluster field missing',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ cluster.vip }}\n',
    inventory: INVENTORY,
    expect: ['9:21 cluster has no "vip"'],
  },
  {
    name: 'role with no host',
    playbook: 'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        with:\n          run: echo ${{ role.lb.address }}\n',
    inventory: INVENTORY,
    expect: ['9:21 no host has the role "lb"'],
  },
  {
    name: 'another host’s output from the same phase',
    playbook:
      'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: a\n        uses: shell\n        with: { run: "echo x", outputs: { x: { regex: x } } }\n      - id: b\n        uses: shell\n        with:\n          run: echo ${{ hosts.m1.steps.a.outputs.x }}\n',
    inventory: INVENTORY,
    expect: ['12:21 step "a" has not run on m1 before this step'],
  },
  // Inventories
  { name: 'inventory: host without address', file: 'inventory', playbook: `name: x\n${OK_PHASE}`, inventory: 'cluster: { name: c }\nhosts:\n  - name: a\n', expect: ['3:5 missing the required key "address"'] },
  {
    name: 'inventory: bad transport',
    file: 'inventory',
    playbook: `name: x\n${OK_PHASE}`,
    inventory: 'cluster: { name: c }\nhosts:\n  - name: a\n    address: 127.0.0.1\n    transport: telnet\n',
    expect: ['5:16 must be one of: ssh, local'],
  },
  {
    name: 'inventory: port out of range',
    file: 'inventory',
    playbook: `name: x\n${OK_PHASE}`,
    inventory: 'cluster: { name: c }\nhosts:\n  - name: a\n    address: 127.0.0.1\n    port: 70000\n',
    expect: ['5:11 must be <= 65535'],
  },
  {
    name: 'inventory: duplicate host name',
    file: 'inventory',
    playbook: `name: x\n${OK_PHASE}`,
    inventory: 'cluster: { name: c }\nhosts:\n  - { name: a, address: 127.0.0.1, roles: [worker] }\n  - { name: a, address: 127.0.0.2 }\n',
    expect: ['4:13 duplicate host name "a"'],
  },
  {
    name: 'inventory: bad kubeVersion',
    file: 'inventory',
    playbook: `name: x\n${OK_PHASE}`,
    inventory: 'cluster: { name: c, kubeVersion: 1.28 }\nhosts:\n  - { name: a, address: 127.0.0.1, roles: [worker] }\n',
    expect: ['1:34 "cluster.kubeVersion" must be a string'],
  },
  {
    name: 'inventory: missing cluster',
    file: 'inventory',
    playbook: `name: x\n${OK_PHASE}`,
    inventory: 'hosts:\n  - { name: a, address: 127.0.0.1 }\n',
    expect: ['1:1 missing the required key "cluster"'],
  },
];

function problems(c: Case, index: number): { diagnostics: string[]; playbookFile: string; inventoryFile: string | undefined } {
  const playbookFile = join(dir, `case-${index}.yaml`);
  writeFileSync(playbookFile, c.playbook ?? `name: x\n${OK_PHASE}`);
  let inventoryFile: string | undefined;
  if (c.inventory) {
    inventoryFile = join(dir, `case-${index}.inventory.yaml`);
    writeFileSync(inventoryFile, c.inventory);
  }
  try {
    loadInputs({ playbookFile, ...(inventoryFile ? { inventoryFile } : {}), env: c.env ?? {}, masker: new Masker(), kinds: stepKinds });
    return { diagnostics: [], playbookFile, inventoryFile };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { diagnostics: err.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`), playbookFile, inventoryFile };
  }
}

describe('validation reports FILE:LINE:COL: message for every problem', () => {
  it('has at least 25 broken cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const { diagnostics, playbookFile, inventoryFile } = problems(c, i);
    const file = c.file === 'inventory' ? inventoryFile! : playbookFile;
    expect(diagnostics.length, diagnostics.join('\n')).toBeGreaterThanOrEqual(c.expect.length);
    for (const want of c.expect) {
      const [pos, ...words] = want.split(' ');
      const prefix = `${file}:${pos}`;
      const msg = words.join(' ');
      expect(
        diagnostics.some((d) => d.startsWith(prefix) && d.includes(msg)),
        `expected "${prefix}…${msg}" in:\n${diagnostics.join('\n')}`,
      ).toBe(true);
    }
  });

  it('reports every problem at once, not just the first', () => {
    const { diagnostics } = problems(
      {
        name: 'many',
        playbook: 'name: x\nfoo: 1\nphases:\n  - name: p\n    hosts: all\n    serial: maybe\n    bar: 2\n    steps:\n      - { id: s, uses: shell }\n',
        expect: [],
      },
      999,
    );
    expect(diagnostics.length).toBeGreaterThanOrEqual(3);
  });

  it('reports cross-reference problems even when the schema layer failed', () => {
    const { diagnostics, playbookFile } = problems(
      {
        name: 'layers',
        playbook: 'name: x\nbogus: 1\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - { id: a, uses: nope }\n      - { id: a, uses: shell, with: { run: "echo ${{ vars.missing }}" } }\n',
        expect: [],
      },
      1001,
    );
    expect(diagnostics).toContainEqual(expect.stringContaining(`${playbookFile}:2:1: unknown key "bogus"`));
    expect(diagnostics).toContainEqual(expect.stringContaining(`${playbookFile}:7:24: unknown step kind "nope"`));
    expect(diagnostics).toContainEqual(expect.stringContaining('duplicate step id "a"'));
    expect(diagnostics).toContainEqual(expect.stringContaining('cannot resolve ${{ vars.missing }}'));
  });

  it('checks the playbook on its own when the inventory is invalid, and phases that select no host', () => {
    const { diagnostics, inventoryFile } = problems(
      {
        name: 'bad-inventory',
        playbook: 'name: x\nphases:\n  - name: p\n    hosts: [nosuchrole]\n    steps:\n      - { id: a, uses: nope }\n',
        inventory: 'cluster: { name: c }\nhosts:\n  - { name: a }\n',
        expect: [],
      },
      1002,
    );
    expect(diagnostics).toContainEqual(expect.stringContaining(`${inventoryFile}:3:5: "hosts.0" is missing the required key "address"`));
    expect(diagnostics).toContainEqual(expect.stringContaining('unknown step kind "nope"'));
    const second = problems(
      {
        name: 'hostless-phase',
        playbook: 'name: x\nphases:\n  - name: p\n    hosts: [nosuchrole]\n    steps:\n      - { id: a, uses: shell, with: { run: "echo ${{ vars.nope }}" } }\n      - { id: a, uses: shell, with: { run: "true" } }\n',
        inventory: INVENTORY,
        expect: [],
      },
      1003,
    ).diagnostics;
    expect(second).toContainEqual(expect.stringContaining('"nosuchrole" is neither a role nor a host'));
    expect(second).toContainEqual(expect.stringContaining('duplicate step id "a"'));
    expect(second).toContainEqual(expect.stringContaining('cannot resolve ${{ vars.nope }}'));
  });

  it('accepts paths into the facts: they are known when the run starts, like step outputs', () => {
    const { diagnostics } = problems(
      {
        name: 'facts',
        playbook:
          'name: x\nphases:\n  - name: p\n    hosts: all\n    steps:\n      - id: s\n        uses: shell\n        when: ${{ host.facts.swap.on }}\n        with:\n          run: echo ${{ host.facts.internal.interface }} ${{ hosts.m1.facts.interfaces.ens3.addresses[0].address }} ${{ host.facts.packages.podsec-k8s }}\n',
        inventory: INVENTORY,
        expect: [],
      },
      990,
    );
    expect(diagnostics).toEqual([]);
  });

  it('accepts a valid playbook with its inventory', () => {
    const { diagnostics } = problems({ name: 'ok', playbook: `name: x\n${OK_PHASE}`, inventory: INVENTORY, expect: [] }, 1000);
    expect(diagnostics).toEqual([]);
  });
});

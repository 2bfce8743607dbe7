// Facts are kept in the journal: one appended line per host per run, read back by status and by
// the next run (a host whose steps are all finished is not asked again, its facts stay usable).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal, readJournal } from '../../engine/journal/journal.js';
import type { Plan } from '../../engine/plan/types.js';
import { healthyFacts } from '../helpers/facts.js';
import { workdir } from '../helpers/workdir.js';

const dir = workdir('podsec-journal-facts-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan: Plan = {
  playbook: 'p',
  playbookFile: '/x/p.yaml',
  inventoryFile: '/x/i.yaml',
  hash: 'h'.repeat(64),
  engineVersion: '0',
  hosts: [],
  phases: [
    {
      name: 'a',
      concurrency: 1,
      skipSealed: false,
      serial: false,
      hosts: [{ name: 'h1', steps: [{ key: 'a/h1/s', phase: 'a', host: 'h1', id: 's', uses: 'shell', title: 's', with: {}, retry: { attempts: 1, delayMs: 0, backoff: 1, maxDelayMs: 0 }, timeoutMs: undefined, when: undefined, at: 'p:1:1' }] }],
    },
  ],
};

describe('facts in the journal', () => {
  it('are appended per host, read back, and carried into the next run\'s snapshot', () => {
    const file = join(dir, 'state.json');
    const j = Journal.open({ file, plan, runId: 'r1', fresh: false });
    const first = healthyFacts({ hostname: 'h1', address: '10.0.0.1' });
    j.recordFacts('h1', first);
    j.recordFacts('h2', healthyFacts({ hostname: 'h2', address: '10.0.0.2' }));
    const second = healthyFacts({ hostname: 'h1', address: '10.0.0.1' }, { swap: { on: true, devices: [] } });
    j.recordFacts('h1', second); // a later gathering replaces the earlier one
    j.finish('succeeded');
    j.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('{"facts":'))).toHaveLength(3);
    const state = readJournal(file);
    expect(state.facts?.['h1']).toEqual(second);
    expect(Object.keys(state.facts ?? {})).toEqual(['h1', 'h2']);

    const again = Journal.open({ file, plan, runId: 'r2', fresh: false });
    again.close();
    expect(JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!).snapshot.facts.h1).toEqual(second);
  });
});

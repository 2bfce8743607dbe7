import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlayEvent } from '../../engine/events/types.js';
import { JunitReporter } from '../../engine/report/junit-reporter.js';
import { xmlAttr, xmlText } from '../../engine/report/junit-xml.js';
import { failureRun, interruptedMidStepRun, interruptedRun, resumeRun, retryThenSuccessRun, simulate, successRun } from './fixtures.js';
import { findAll, parseXml, type XmlNode } from './xml-check.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function report(events: PlayEvent[]): Promise<{ xml: string; root: XmlNode }> {
  const dir = mkdtempSync(join(tmpdir(), 'junit-'));
  dirs.push(dir);
  const file = join(dir, 'reports', 'junit.xml');
  const r = new JunitReporter(file);
  for (const e of events) r.onEvent(e);
  await r.close();
  const xml = readFileSync(file, 'utf8');
  return { xml, root: parseXml(xml) };
}

/** Counts straight from the events: the last word on each step. */
function expectedCounts(events: PlayEvent[]) {
  const last = new Map<string, PlayEvent>();
  for (const e of events) {
    if ('step' in e && e.type !== 'step.output') last.set(`${e.phase}/${e.host}/${e.step}`, e);
  }
  const finals = [...last.values()];
  const aborted = (e: PlayEvent) => e.type === 'step.failed' && e.error.code === 'E_ABORTED';
  return {
    tests: finals.length,
    failures: finals.filter((e) => e.type === 'step.failed' && !aborted(e)).length,
    errors: finals.filter((e) => aborted(e) || e.type === 'step.started' || e.type === 'step.retrying').length,
    skipped: finals.filter((e) => e.type === 'step.skipped').length,
  };
}

describe('JUnit report', () => {
  it.each([
    ['success', successRun()],
    ['retry then success', retryThenSuccessRun()],
    ['failure with output', failureRun()],
    ['failure without not-reached skips', failureRun(false)],
    ['interrupted mid-step', interruptedMidStepRun()],
    ['resume', resumeRun()],
    ['interrupted', interruptedRun()],
  ])('is well-formed and its counts match the events (%s)', async (_name, events) => {
    const { root } = await report(events);
    expect(root.name).toBe('testsuites');
    const want = expectedCounts(events);
    const cases = findAll(root, 'testcase');
    expect(cases).toHaveLength(want.tests);
    expect(Number(root.attrs.tests)).toBe(want.tests);
    expect(Number(root.attrs.failures)).toBe(want.failures);
    expect(Number(root.attrs.errors)).toBe(want.errors);
    expect(Number(root.attrs.skipped)).toBe(want.skipped);
    expect(findAll(root, 'failure')).toHaveLength(want.failures);
    expect(findAll(root, 'skipped')).toHaveLength(want.skipped);
    for (const suite of findAll(root, 'testsuite')) {
      const inSuite = findAll(suite, 'testcase');
      expect(Number(suite.attrs.tests)).toBe(inSuite.length);
      expect(Number(suite.attrs.failures)).toBe(inSuite.filter((c) => findAll(c, 'failure').length).length);
      expect(Number(suite.attrs.skipped)).toBe(inSuite.filter((c) => findAll(c, 'skipped').length).length);
      expect(suite.attrs.time).toMatch(/^\d+\.\d{3}$/);
    }
  });

  it('has one suite per phase and one case per host × step named PHASE.HOST / STEP', async () => {
    const { root } = await report(successRun());
    expect(findAll(root, 'testsuite').map((s) => s.attrs.name)).toEqual(['preflight', 'master', 'workers']);
    const names = findAll(root, 'testcase').map((c) => `${c.attrs.classname} ${c.attrs.name}`);
    expect(names).toEqual([
      'preflight.cp-1 reachable',
      'preflight.cp-1 swap-off',
      'preflight.w-1 reachable',
      'preflight.w-1 swap-off',
      'preflight.w-2 reachable',
      'preflight.w-2 swap-off',
      'master.cp-1 create-policy',
      'master.cp-1 kubeadm-init',
      'workers.w-1 join',
      'workers.w-2 join',
    ]);
    const init = findAll(root, 'testcase').find((c) => c.attrs.name === 'kubeadm-init')!;
    // wall time from the first start to the end: 41 s of run plus two output lines 10 ms apart
    expect(init.attrs.time).toBe('41.020');
  });

  it('puts the failure message, type and last output lines in <failure>, without escape codes', async () => {
    const { root, xml } = await report(failureRun());
    const [failure] = findAll(root, 'failure');
    expect(failure!.attrs.message).toBe('exit code 1: error execution phase preflight: [preflight] Some fatal errors occurred:\n[ERROR Port-6443]: Port 6443 is in use');
    expect(failure!.attrs.type).toBe('E_COMMAND');
    expect(failure!.text).toContain('attempt 2/2');
    expect(failure!.text).toContain('[ERROR Port-6443]: Port 6443 is in use');
    expect(failure!.text).toContain('To see the stack trace of this error execute with --v=5 or higher');
    expect(xml).not.toMatch(/\x1b/);
  });

  it('gives skipped steps their reason', async () => {
    const { root } = await report(resumeRun());
    expect(new Set(findAll(root, 'skipped').map((s) => s.attrs.message))).toEqual(new Set(['already done']));
    const { root: failed } = await report(failureRun());
    const messages = findAll(failed, 'skipped').map((s) => s.attrs.message);
    expect(messages).toContain('already in place (/etc/containers/policy.json exists)');
    expect(messages).toContain('not reached');
  });

  it('records retries in system-out of a step that passed in the end', async () => {
    const { root } = await report(retryThenSuccessRun());
    const join = findAll(root, 'testcase').find((c) => c.attrs.classname === 'workers.w-2')!;
    expect(findAll(join, 'failure')).toHaveLength(0);
    const out = findAll(join, 'system-out')[0]!.text;
    expect(out).toContain('attempt 1/3 failed: exit code 7');
    expect(out).toContain('attempt 2/3 failed: exit code 7');
  });

  it('lists the steps a failure kept from running as skipped: not reached', async () => {
    const { root } = await report(failureRun());
    const workers = findAll(root, 'testsuite').find((s) => s.attrs.name === 'workers')!;
    expect(findAll(workers, 'testcase').map((c) => `${c.attrs.classname} ${c.attrs.name} ${findAll(c, 'skipped')[0]?.attrs.message}`)).toEqual([
      'workers.w-1 join not reached',
      'workers.w-2 join not reached',
    ]);
  });

  it('reports a step still running when the run was interrupted as an error', async () => {
    const { root } = await report(interruptedMidStepRun());
    const join = findAll(root, 'testcase').find((c) => c.attrs.classname === 'workers.w-2')!;
    expect(findAll(join, 'error')[0]!.attrs.message).toBe('the step did not finish (the run ended while it was running)');
  });

  it('counts an interrupted step as an error, not a failure', async () => {
    const { root } = await report(interruptedRun());
    const [error] = findAll(root, 'error');
    expect(error!.attrs.type).toBe('E_ABORTED');
    expect(findAll(root, 'failure')).toHaveLength(0);
  });

  it('stays well-formed whatever a command printed: markup, quotes, control characters, lone surrogates', async () => {
    const nasty = 'a<b>&c "d" \'e\' ]]> \x00\x01\x07\x0b\x0c\x1b[31mred\x1b[0m \ud800 \ufffe end';
    const events = simulate({
      phases: [
        {
          name: 'p<&>',
          hosts: ['h"1'],
          steps: [
            {
              id: 'x&y',
              output: [nasty],
              outcome: { fail: { code: 'E_COMMAND', message: `command exited with code 3: ${nasty}`, exitCode: 3, output: nasty } },
            },
          ],
        },
      ],
    });
    const { root, xml } = await report(events);
    const [tc] = findAll(root, 'testcase');
    expect(tc!.attrs.classname).toBe('p<&>.h"1');
    expect(tc!.attrs.name).toBe('x&y');
    expect(findAll(root, 'failure')[0]!.text).toContain('a<b>&c "d" \'e\' ]]>');
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
  });

  it('escapes text and attributes for XML', () => {
    expect(xmlText('<a & b>')).toBe('&lt;a &amp; b&gt;');
    expect(xmlAttr('say "hi"\n\tit\'s')).toBe('say &quot;hi&quot;&#10;&#9;it&apos;s');
    expect(xmlText('nul\x00 bell\x07')).toBe('nul\\u0000 bell\\u0007');
    expect(xmlText('\x1b[1mbold\x1b[0m')).toBe('bold');
    expect(xmlText('pair \ud83d\ude00 lone \udc00')).toBe('pair \ud83d\ude00 lone \\udc00');
  });
});

describe('the XML checker used above', () => {
  it.each([
    ['<a><b></a>', 'mismatched'],
    ['<a x="1" x="2"/>', 'duplicate'],
    ['<a>1 & 2</a>', 'entity'],
    ['<a x="<"/>', 'markup'],
    ['<a/><b/>', 'second root'],
    ['<a>\x01</a>', 'forbids'],
    ['<a>&#0;</a>', 'forbidden'],
    ['<a>', 'unclosed'],
    ['<a x=1/>', 'attribute'],
  ])('rejects %j', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
  });
});

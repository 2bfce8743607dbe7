// A run stopped by its preflight, as each reporter shows it: the failed checks with host, reason
// and fix, "nothing was changed", a JUnit suite of its own; and `podsec-play preflight`'s table.
import { describe, expect, it } from 'vitest';
import { makePaint } from '../../engine/report/ansi.js';
import { JunitReporter } from '../../engine/report/junit-reporter.js';
import { PlainReporter } from '../../engine/report/plain-reporter.js';
import { formatPreflightJson, formatPreflightTable } from '../../engine/report/preflight-table.js';
import { QuietReporter } from '../../engine/report/quiet-reporter.js';
import { healthyFacts } from '../helpers/facts.js';
import { Capture } from './capture.js';
import { LOG_FILE, preflightFailedRun } from './fixtures.js';
import { findAll, parseXml } from './xml-check.js';

describe('a run stopped by its preflight', () => {
  it('plain: one line for the preflight, then the summary lists each failed check with its fix', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const r = new PlainReporter({ stdout, stderr, color: false, logFile: LOG_FILE });
    for (const e of preflightFailedRun()) r.onEvent(e);
    await r.close();
    expect(stdout.text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} preflight: 1 of 3 checks failed \(0\.\ds\): w-1 swap-off; nothing was changed$/m);
    expect(stdout.text).toContain('Failed:\n  w-1 preflight/swap-off: swap is on: /swapfile (2.0 GiB) (kubelet refuses to start with swap) (fix: swapoff -a, and remove');
    expect(stdout.text).toMatch(/ {2}master +not reached\n {2}workers +not reached/);
    expect(stderr.text).toContain('podsec-play: failed: w-1 preflight/swap-off: swap is on');
  });

  it('quiet: only the failure, on stderr', async () => {
    const stderr = new Capture();
    const r = new QuietReporter({ stderr, color: false, logFile: LOG_FILE });
    for (const e of preflightFailedRun()) r.onEvent(e);
    await r.close();
    expect(stderr.lines[0]).toBe('podsec-play: failed: w-1 preflight/swap-off: swap is on: /swapfile (2.0 GiB) (kubelet refuses to start with swap) (fix: swapoff -a, and remove the swap lines from /etc/fstab so it stays off after a reboot)');
  });

  it('JUnit: a preflight suite, a case per host × check, the failure with its reason and fix', () => {
    const j = new JunitReporter('/dev/null');
    for (const e of preflightFailedRun()) j.onEvent(e);
    const root = parseXml(j.render());
    const suite = findAll(root, 'testsuite').find((s) => s.attrs.name === 'preflight')!;
    expect(suite.attrs).toMatchObject({ tests: '3', failures: '1' });
    expect(findAll(suite, 'testcase').map((c) => `${c.attrs.classname} ${c.attrs.name}`)).toEqual(['preflight.cp-1 reachable', 'preflight.w-1 reachable', 'preflight.w-1 swap-off']);
    const failure = findAll(suite, 'failure')[0]!;
    expect(failure.attrs).toMatchObject({ type: 'E_PREFLIGHT', message: 'swap is on: /swapfile (2.0 GiB) (kubelet refuses to start with swap)' });
    expect(root.attrs.failures).toBe('1');
  });
});

describe('podsec-play preflight output', () => {
  const report = {
    playbook: 'cluster',
    playbookFile: '/p/cluster.yaml',
    inventoryFile: '/p/inventory.yaml',
    durationMs: 1234,
    results: preflightFailedRun().flatMap((e) => (e.type === 'preflight.finished' ? e.results : [])),
    facts: { 'cp-1': healthyFacts({ hostname: 'cp-1', address: '10.0.0.1' }) },
    done: ['lb-1'],
  };

  it('a table: host × check, ok with what it saw, FAILED with the reason and the fix under it', () => {
    const text = formatPreflightTable(report, makePaint(false));
    expect(text.split('\n')).toEqual([
      'preflight cluster (/p/cluster.yaml) on 2 hosts of /p/inventory.yaml',
      'not checked, nothing left to do there but the seal: lb-1',
      '',
      'HOST  CHECK      RESULT',
      'cp-1  reachable  ok      ALT Server 10.2 (platform p10)',
      'w-1   reachable  ok      ALT Server 10.2 (platform p10)',
      'w-1   swap-off   FAILED  swap is on: /swapfile (2.0 GiB) (kubelet refuses to start with swap)',
      '                         fix: swapoff -a, and remove the swap lines from /etc/fstab so it stays off after a reboot',
      '',
      '✖ 3 checks on 2 hosts: 1 failed (1.2s). Nothing was changed.',
      '',
    ]);
  });

  it('--json: the results and every host\'s facts, for CI', () => {
    const parsed = JSON.parse(formatPreflightJson(report));
    expect(parsed).toMatchObject({ playbook: 'cluster', ok: false, failed: 1, done: ['lb-1'] });
    expect(parsed.results).toHaveLength(3);
    expect(parsed.facts['cp-1'].internal.interface).toBe('ens3');
  });
});

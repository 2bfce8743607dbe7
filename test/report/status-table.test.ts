import { describe, expect, it } from 'vitest';
import type { JournalState, StepRecord } from '../../engine/journal/types.js';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import fm from 'ajv-formats';
import { formatStatus, statusJson } from '../../engine/report/status-table.js';
import { healthyFacts } from '../helpers/facts.js';

const TOKEN = 'abcdef.0123456789abcdef';
const CERT_KEY = '6f1c0d3a9b8e7f6a5b4c3d2e1f0a9b8c';

function step(key: string, patch: Partial<StepRecord>): StepRecord {
  const [phase, host, id] = key.split('/') as [string, string, string];
  return { key, phase, host, step: id, uses: 'shell', title: id, status: 'pending', attempts: 0, ...patch };
}

function state(): JournalState {
  const steps = [
    step('preflight/cp-1/reachable', { status: 'succeeded', attempts: 1, startedAt: '2026-01-01T10:00:00.000Z', endedAt: '2026-01-01T10:00:01.500Z' }),
    step('master/cp-1/init', {
      status: 'succeeded',
      attempts: 2,
      startedAt: '2026-01-01T10:00:02.000Z',
      endedAt: '2026-01-01T10:00:43.000Z',
      outputs: { endpoint: '127.0.1.1:6443', token: TOKEN, certificateKey: CERT_KEY },
      secretOutputs: ['token', 'certificateKey'],
    }),
    step('preflight/w-1/reachable', { status: 'skipped', skipReason: 'done', attempts: 1, endedAt: '2026-01-01T10:00:01.000Z' }),
    step('workers/w-1/join', {
      status: 'failed',
      attempts: 3,
      startedAt: '2026-01-01T10:01:00.000Z',
      endedAt: '2026-01-01T10:01:30.000Z',
      // an error text that (wrongly) carries the token must still not print it
      error: { code: 'E_COMMAND', message: `command exited with code 1: kubeadm join --token ${TOKEN}`, exitCode: 1 },
    }),
    step('workers/w-2/join', { status: 'retrying', attempts: 1, nextAttemptAt: '2026-01-01T10:02:00.000Z', error: { code: 'E_TIMEOUT', message: 'timed out' } }),
    step('cni/cp-1/flannel', { status: 'pending' }),
  ];
  return {
    format: 1,
    engineVersion: '0.1.0',
    planHash: '3f2a9c0d5e7b1a4c8d6e2f0a9b3c5d7e',
    playbook: 'cluster',
    playbookFile: 'playbooks/cluster.yaml',
    inventoryFile: 'lab.yaml',
    runs: [
      { runId: 'run-1', startedAt: '2026-01-01T10:00:00.000Z', endedAt: '2026-01-01T10:01:31.000Z', outcome: 'failed', pid: 10 },
      { runId: 'run-2', startedAt: '2026-01-01T11:00:00.000Z', outcome: 'running', pid: 11 },
    ],
    steps: Object.fromEntries(steps.map((s) => [s.key, s])),
    sealed: { 'cp-1': { host: 'cp-1', address: '127.0.0.1', port: 40001, runId: 'run-1', at: '2026-01-01T10:05:00.000Z' } },
    sealSent: { 'cp-1': { host: 'cp-1', address: '127.0.0.1', port: 40001, runId: 'run-1', at: '2026-01-01T10:04:58.000Z' } },
  };
}

describe('status table', () => {
  const text = formatStatus(state());

  it('lists per host the done, failed and pending steps with when and attempts', () => {
    expect(text).toContain('cp-1: 2 done, 0 failed, 1 pending, last change 2026-01-01T10:00:43Z');
    expect(text).toContain('w-1: 1 done (1 skipped), 1 failed, 0 pending');
    expect(text).toMatch(/✔ master\/init\s+succeeded 2 attempts\s+2026-01-01T10:00:43Z/);
    expect(text).toMatch(/↓ preflight\/reachable\s+skipped\s+1 attempt\s+2026-01-01T10:00:01Z\s+already done/);
    expect(text).toMatch(/✖ workers\/join\s+failed\s+3 attempts\s+2026-01-01T10:01:30Z\s+exit code 1: command exited with code 1: kubeadm join --token \[REDACTED\]/);
    expect(text).toMatch(/↻ workers\/join\s+retrying .*next attempt 2026-01-01T10:02:00Z\s+E_TIMEOUT: timed out/);
    expect(text).toMatch(/· cni\/flannel\s+pending/);
  });

  it('names the runs and the hosts whose SSH was sealed', () => {
    expect(text).toContain('run-1  failed  started 2026-01-01T10:00:00Z, ended 2026-01-01T10:01:31Z');
    expect(text).toContain('run-2  running  started 2026-01-01T11:00:00Z');
    expect(text).toContain('[SSH sealed by run run-1 at 2026-01-01T10:05:00Z]');
  });

  it('never prints outputs in the table, and never a secret', () => {
    expect(text).not.toContain('127.0.1.1:6443');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(CERT_KEY);
  });

  it('as JSON masks secret outputs (and copies of their values) but keeps the others', () => {
    const json = statusJson(state(), '/tmp/x.state.json');
    expect(json).not.toContain(TOKEN);
    expect(json).not.toContain(CERT_KEY);
    const parsed = JSON.parse(json);
    expect(parsed.steps['master/cp-1/init'].outputs).toEqual({ endpoint: '127.0.1.1:6443', token: '[REDACTED]', certificateKey: '[REDACTED]' });
    expect(parsed.steps['workers/w-1/join'].error.message).toBe('command exited with code 1: kubeadm join --token [REDACTED]');
    expect(parsed.hosts).toEqual([
      expect.objectContaining({ name: 'cp-1', done: 2, failed: 0, pending: 1, sealed: expect.objectContaining({ runId: 'run-1' }) }),
      expect.objectContaining({ name: 'w-1', done: 1, skipped: 1, failed: 1, pending: 0, lastError: expect.stringContaining('[REDACTED]') }),
      expect.objectContaining({ name: 'w-2', done: 0, failed: 0, pending: 1 }),
    ]);
  });

  it('shows each host\'s facts in one line, and whole in the JSON', () => {
    const s = state();
    s.facts = { 'w-1': healthyFacts({ hostname: 'w-1', address: '10.0.0.11' }, { swap: { on: true, devices: [{ name: '/swapfile' }] }, time: { skewMs: 3 * 3600_000 } }) };
    const table = formatStatus(s);
    expect(table).toContain(
      'w-1: 1 done (1 skipped), 1 failed, 0 pending, last change 2026-01-01T10:01:30Z\n  facts (2026-01-01T10:00:00Z): ALT Server 10.2 (Mendelevium) (platform p10), kernel 6.1.130-un-def-alt1 x86_64, hostname w-1, 10.0.0.11/24 on ens3, swap on, clock 3h 0m ahead\n',
    );
    expect(table).not.toMatch(/cp-1: .*\n {2}facts/);
    const doc = JSON.parse(statusJson(s, 'x.state.json'));
    expect(doc.facts['w-1'].internal).toEqual({ address: '10.0.0.11', interface: 'ens3', prefix: 24, subnet: '10.0.0.0/24' });
    const ajv = new Ajv({ allErrors: true, strict: true });
    fm.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/status.schema.json', import.meta.url), 'utf8')));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
  });

  it('does not change the state it was given', () => {
    const s = state();
    statusJson(s, 'x.state.json');
    expect(s.steps['master/cp-1/init']!.outputs!.token).toBe(TOKEN);
  });

  it('as JSON matches the published schemas/status.schema.json, with the last run’s outcome', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    fm.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/status.schema.json', import.meta.url), 'utf8')));
    const doc = JSON.parse(statusJson(state(), '/tmp/x.state.json'));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc).toMatchObject({ stateFile: '/tmp/x.state.json', outcome: state().runs.at(-1)!.outcome });
    const fresh = JSON.parse(statusJson({ ...state(), runs: [] }, 'y.state.json'));
    expect(validate(fresh) ? [] : validate.errors).toEqual([]);
    expect(fresh.outcome).toBe('none');
  });
});

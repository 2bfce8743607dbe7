import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import fm from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { PlayEvent, PlayEventType } from '../../engine/events/types.js';
import { JsonReporter } from '../../engine/report/json-reporter.js';
import { Capture } from './capture.js';
import { failureRun, interruptedRun, LOG_FILE, manyHostsRun, preflightFailedRun, resumeRun, retryThenSuccessRun, simulate, successRun } from './fixtures.js';

const addFormats = fm.default;
const schema = JSON.parse(readFileSync(new URL('../../schemas/events.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Every event type, checked by the compiler against the union: a new type fails to compile here. */
const ALL_TYPES: Record<PlayEventType, true> = {
  'run.started': true,
  'run.succeeded': true,
  'run.failed': true,
  'run.interrupted': true,
  'preflight.finished': true,
  'phase.started': true,
  'phase.succeeded': true,
  'phase.failed': true,
  'phase.skipped': true,
  'host.started': true,
  'host.succeeded': true,
  'host.failed': true,
  'host.skipped': true,
  'step.started': true,
  'step.succeeded': true,
  'step.skipped': true,
  'step.retrying': true,
  'step.failed': true,
  'step.output': true,
  log: true,
  note: true,
};

async function jsonLines(events: PlayEvent[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const r = new JsonReporter({ stdout, stderr, logFile: LOG_FILE });
  for (const e of events) r.onEvent(e);
  await r.close();
  return { lines: stdout.text.split('\n').slice(0, -1), err: stderr.text };
}

const withLogs: PlayEvent[] = [
  ...successRun().slice(0, 2),
  { type: 'log', level: 'warn', message: 'clock skew 3s', host: 'w-1', ts: '2026-01-01T10:00:00.100Z', runId: 'run-1' },
  { type: 'log', level: 'debug', message: 'connected', ts: '2026-01-01T10:00:00.200Z', runId: 'run-1' },
  { type: 'note', message: 'kubeconfig written to /tmp/x.kubeconfig', host: 'cp-1', ts: '2026-01-01T10:00:00.300Z', runId: 'run-1' },
];
const hostSkipped = simulate({
  phases: [
    {
      name: 'a',
      hosts: ['h1', 'h2', 'h3'],
      concurrency: 1,
      steps: [{ id: 's' }],
      overrides: { h1: { s: { outcome: { fail: { code: 'E_CONNECT', message: 'connection refused' } } } } },
    },
    { name: 'b', hosts: ['h1'], steps: [{ id: 't' }] },
  ],
});

describe('--json', () => {
  it.each([
    ['success', successRun()],
    ['retry then success', retryThenSuccessRun()],
    ['failure with output', failureRun(true)],
    ['resume', resumeRun()],
    ['interrupted', interruptedRun()],
    ['many hosts', manyHostsRun()],
    ['log events', withLogs],
    ['host and phase skips', hostSkipped],
  ])('writes exactly the events, one per line, each valid against the schema (%s)', async (_name, events) => {
    const { lines } = await jsonLines(events);
    expect(lines).toHaveLength(events.length);
    lines.forEach((line, i) => {
      const parsed = JSON.parse(line) as unknown;
      expect(parsed).toEqual(events[i]);
      const ok = validate(parsed);
      expect(ok ? [] : validate.errors).toEqual([]);
    });
  });

  it('covers every event type the engine has and the fixtures exercise every one', () => {
    expect(new Set(schema.properties.type.enum)).toEqual(new Set(Object.keys(ALL_TYPES)));
    const seen = new Set(
      [successRun(), retryThenSuccessRun(), failureRun(true), resumeRun(), interruptedRun(), withLogs, hostSkipped, preflightFailedRun()].flat().map((e) => e.type),
    );
    expect(Object.keys(ALL_TYPES).filter((t) => !seen.has(t as PlayEventType))).toEqual([]);
  });

  it.each([
    ['an unknown type', { type: 'step.exploded', ts: '2026-01-01T10:00:00Z', runId: 'r' }],
    ['a missing runId', { type: 'run.succeeded', ts: '2026-01-01T10:00:00Z', durationMs: 1 }],
    ['a bad time stamp', { type: 'run.succeeded', ts: 'yesterday', runId: 'r', durationMs: 1 }],
    ['an extra field', { type: 'run.succeeded', ts: '2026-01-01T10:00:00Z', runId: 'r', durationMs: 1, secret: 'x' }],
    ['a bad skip reason', { type: 'phase.skipped', ts: '2026-01-01T10:00:00Z', runId: 'r', phase: 'p', reason: 'bored' }],
    ['an error without a code', { type: 'host.failed', ts: '2026-01-01T10:00:00Z', runId: 'r', phase: 'p', host: 'h', durationMs: 1, error: { message: 'x' } }],
    ['a step event without its host', { type: 'step.started', ts: '2026-01-01T10:00:00Z', runId: 'r', phase: 'p', step: 's', uses: 'shell', title: 's', attempt: 1, attempts: 1 }],
  ])('rejects %s', (_name, event) => {
    expect(validate(event)).toBe(false);
  });

  it('keeps stdout pure JSON and puts the failure list on stderr', async () => {
    const { lines, err } = await jsonLines(failureRun());
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(err).toContain('podsec-play: failed: master/cp-1 kubeadm-init: exit code 1');
  });
});

import { describe, expect, it } from 'vitest';
import { formatPlanText } from '../../engine/plan/format-text.js';
import { SEALED, samplePlan } from '../report/plan-fixture.js';

describe('plan as text', () => {
  const text = formatPlanText(samplePlan());

  it('starts with the playbook and the full plan hash', () => {
    expect(text.split('\n').slice(0, 2)).toEqual(['Plan cluster', '  hash:      3f2a9c0d5e7b1a4c8d6e2f0a9b3c5d7e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c']);
  });

  it('lists phases in order with their hosts, concurrency or serial, and each host’s steps in order', () => {
    const phases = text.split('\n').filter((l) => l.startsWith('Phase '));
    expect(phases).toEqual([
      'Phase 1/3 preflight: 3 hosts, all at once',
      'Phase 2/3 control-planes: 2 hosts, one at a time (serial)',
      'Phase 3/3 workers: 2 hosts, one at a time (serial)',
    ]);
    const preflight = text.slice(text.indexOf('Phase 1/3'), text.indexOf('Phase 2/3'));
    expect(preflight).toContain('  w-1\n    1. reachable  Host is "reachable" <fast> & #1  (uses preflight)\n    2. swap-off  (uses shell; when ${{ vars.checkSwap }})');
  });

  it('shows retry and timeout of a step', () => {
    expect(text).toContain('    1. join  kubeadm join  (uses kubeadm-join; retry 3 attempts, 1s ×2 up to 30s; timeout 5m)');
  });

  it('says 2 at a time when concurrency is below the host count', () => {
    const plan = samplePlan();
    plan.phases[0]!.concurrency = 2;
    expect(formatPlanText(plan)).toContain('Phase 1/3 preflight: 3 hosts, 2 at a time');
  });

  it('lists the inventory hosts with how they are reached', () => {
    expect(text).toContain('  cp-1  ssh root@127.0.0.1:40001  [master]');
    expect(text).toContain('  ctl   local');
  });

  it('marks hosts an earlier run sealed, in the host list and in every phase', () => {
    const sealed = formatPlanText(samplePlan(), SEALED);
    const marks = sealed.split('\n').filter((l) => l.includes('[SSH sealed by run run-7 at 2026-01-01T10:05:00.000Z]'));
    expect(marks).toHaveLength(3);
    expect(marks[1]).toBe('  cp-1  [SSH sealed by run run-7 at 2026-01-01T10:05:00.000Z]');
    expect(text).not.toContain('sealed by');
  });
});

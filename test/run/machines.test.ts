import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { createRunMachine } from '../../engine/run/run-machine.js';
import { FakeEffects, makePlan } from '../helpers/fake-effects.js';

async function run(effects: FakeEffects, plan: ReturnType<typeof makePlan>) {
  const actor = createActor(createRunMachine(effects), { input: { plan } });
  actor.start();
  return toPromise(actor);
}

describe('run machine (fake effects, no I/O)', () => {
  it('runs phases in order and each host’s steps in order', async () => {
    const fx = new FakeEffects();
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['s1', 's2'] }, { name: 'b', hosts: ['h1'], steps: ['s3'] }]));
    expect(out.failed).toBe(false);
    const oks = fx.log.filter((l) => l.startsWith('ok '));
    expect(oks).toEqual(['ok a/h1/s1 #1', 'ok a/h1/s2 #1', 'ok b/h1/s3 #1']);
    expect(fx.log.indexOf('phase-ok a')).toBeLessThan(fx.log.indexOf('phase-start b'));
  });

  it('retries a retryable failure with exponential backoff, then succeeds', async () => {
    const fx = new FakeEffects().script('a/h1/s1', 'fail', 'fail', 'ok');
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['s1'], retry: { attempts: 3, delayMs: 100, backoff: 2 } }]));
    expect(out.failed).toBe(false);
    expect(fx.log.filter((l) => /^(retry|ok|sleep)/.test(l))).toEqual([
      'retry a/h1/s1 #1 in 100',
      'sleep 100',
      'retry a/h1/s1 #2 in 200',
      'sleep 200',
      'ok a/h1/s1 #3',
    ]);
  });

  it('does not retry a non-retryable failure and stops the host and later phases', async () => {
    const fx = new FakeEffects().script('a/h1/s1', 'fatal');
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['s1', 's2'], retry: { attempts: 5 } }, { name: 'b', hosts: ['h1'], steps: ['s3'] }]));
    expect(out.failed).toBe(true);
    expect(fx.log).toContain('fail a/h1/s1 #1');
    expect(fx.log).toContain('skip a/h1/s2 not-reached');
    expect(fx.log).toContain('phase-skip b');
    expect(fx.log).toContain('skip b/h1/s3 not-reached');
    expect(fx.log.some((l) => l.startsWith('start b/'))).toBe(false);
  });

  it('keeps at most `concurrency` hosts running at once', async () => {
    const fx = new FakeEffects();
    await run(fx, makePlan([{ name: 'a', hosts: ['h1', 'h2', 'h3', 'h4', 'h5'], steps: ['s1'], concurrency: 2 }]));
    expect(fx.maxRunning).toBe(2);
    expect(fx.log.filter((l) => l.startsWith('ok ')).length).toBe(5);
  });

  it('runs serial phases one host at a time, in order', async () => {
    const fx = new FakeEffects();
    await run(fx, makePlan([{ name: 'a', hosts: ['h1', 'h2', 'h3'], steps: ['s1'], serial: true }]));
    expect(fx.maxRunning).toBe(1);
    expect(fx.log.filter((l) => l.startsWith('host-start'))).toEqual(['host-start a/h1', 'host-start a/h2', 'host-start a/h3']);
  });

  it('after a host fails, running hosts finish and no new host starts', async () => {
    const fx = new FakeEffects().script('a/h1/s1', 'fatal');
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1', 'h2', 'h3', 'h4'], steps: ['s1'], concurrency: 2 }]));
    expect(out.failed).toBe(true);
    expect(fx.log).toContain('ok a/h2/s1 #1');
    expect(fx.log).toContain('host-skip a/h3');
    expect(fx.log).toContain('host-skip a/h4');
    expect(fx.log.some((l) => l.startsWith('start a/h3'))).toBe(false);
  });

  it('skips steps finished by an earlier run as done, and ones already in place as check', async () => {
    const fx = new FakeEffects().script('a/h1/s2', 'done');
    fx.finished.add('a/h1/s1');
    await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['s1', 's2', 's3'] }]));
    expect(fx.log).toContain('skip a/h1/s1 done');
    expect(fx.log).toContain('skip a/h1/s2 check');
    expect(fx.log).toContain('ok a/h1/s3 #1');
    expect(fx.log.some((l) => l.startsWith('start a/h1/s1'))).toBe(false);
  });

  it('honours a backoff deadline saved by an earlier run before the next attempt', async () => {
    const fx = new FakeEffects();
    fx.backoff.set('a/h1/s1', fx.clock + 5000);
    await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['s1'] }]));
    expect(fx.log.indexOf('sleep 5000')).toBeLessThan(fx.log.indexOf('start a/h1/s1 #1'));
  });

  it('stops a step that passes its timeout and counts it as a failed attempt', async () => {
    const fx = new FakeEffects().script('a/h1/s1', 'hang', 'ok');
    // The timeout is a real machine delay: keep it tiny.
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['s1'], timeoutMs: 20, retry: { attempts: 2, delayMs: 1 } }]));
    expect(out.failed).toBe(false);
    expect(fx.log).toContain('retry a/h1/s1 #1 in 1');
    expect(fx.log).toContain('ok a/h1/s1 #2');
  });

  it('a host machine that throws stops every other host of the phase (their commands aborted) and fails the run', async () => {
    const fx = new FakeEffects().script('a/h2/s1', 'hang');
    fx.throwOnStart.add('a/h1/s2');
    await expect(run(fx, makePlan([{ name: 'a', hosts: ['h1', 'h2'], steps: ['s1', 's2', 's3'] }]))).rejects.toThrow('boom at a/h1/s2');
    // Aborted by the time the run fails: the other host goes no further.
    expect(fx.signals.get('a/h2/s1')?.aborted).toBe(true);
    await fx.settled();
    expect(fx.aborted).toEqual(['a/h2/s1']);
    expect(fx.log).not.toContain('start a/h2/s2 #1');
  });

  it('runs a host that has no steps in a phase', async () => {
    const fx = new FakeEffects();
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: [] }]));
    expect(out.failed).toBe(false);
    expect(fx.log).toContain('host-ok a/h1');
  });

  it('never takes the late outcome of a timed-out attempt for the next attempt\'s', async () => {
    // Attempt 1 ignores its abort and succeeds once attempt 2 has started; attempt 2 hangs.
    const fx = new FakeEffects().script('a/h1/s1', 'deaf', 'hang');
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['s1'], timeoutMs: 20, retry: { attempts: 2, delayMs: 1 } }]));
    expect(out.failed).toBe(true);
    expect(fx.log).toContain('fail a/h1/s1 #2');
    expect(fx.log).not.toContain('ok a/h1/s1 #2');
  });

  it('never takes the late outcome of a timed-out attempt in a parallel group either', async () => {
    const fx = new FakeEffects().script('a/h1/p1', 'deaf', 'hang');
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['p1', 'p2'], parallel: ['p1', 'p2'], timeoutMs: 20, retry: { attempts: 2, delayMs: 1 } }]));
    expect(out.failed).toBe(true);
    expect(fx.log).toContain('fail a/h1/p1 #2');
    expect(fx.log).toContain('ok a/h1/p2 #1');
  });

  it('runs neighbouring parallel steps of a host at once, and the next step only after all of them', async () => {
    const fx = new FakeEffects();
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['s0', 'p1', 'p2', 'p3', 's4'], parallel: ['p1', 'p2', 'p3'] }]));
    expect(out.failed).toBe(false);
    expect(fx.maxRunning).toBe(3);
    const at = (line: string) => fx.log.indexOf(line);
    for (const p of ['p1', 'p2', 'p3']) {
      expect(at(`ok a/h1/s0 #1`)).toBeLessThan(at(`start a/h1/${p} #1`));
      expect(at(`ok a/h1/${p} #1`)).toBeLessThan(at('start a/h1/s4 #1'));
    }
    // All three started before the first of them finished.
    expect(Math.max(...['p1', 'p2', 'p3'].map((p) => at(`start a/h1/${p} #1`)))).toBeLessThan(Math.min(...['p1', 'p2', 'p3'].map((p) => at(`ok a/h1/${p} #1`))));
    expect(fx.log.at(-2)).toBe('host-ok a/h1');
  });

  it('lets the rest of a parallel group finish when one fails, then fails the host before the next step', async () => {
    const fx = new FakeEffects().script('a/h1/p2', 'fatal');
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['p1', 'p2', 'p3', 's4'], parallel: ['p1', 'p2', 'p3'] }]));
    expect(out.failed).toBe(true);
    expect(fx.log).toContain('ok a/h1/p1 #1');
    expect(fx.log).toContain('fail a/h1/p2 #1');
    expect(fx.log).toContain('ok a/h1/p3 #1');
    expect(fx.log).toContain('skip a/h1/s4 not-reached');
    expect(fx.log.filter((l) => l.includes('a/h1/p'))).not.toContain('skip a/h1/p3 not-reached');
    expect(fx.log).toContain('host-fail a/h1');
  });

  it('runs a lone parallel step like any other, and a timed one in a group times out alone', async () => {
    const fx = new FakeEffects().script('a/h1/p2', 'hang');
    const out = await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ['p0', 's1', 'p1', 'p2'], parallel: ['p0', 'p1', 'p2'], timeoutMs: 50 }]));
    expect(out.failed).toBe(true);
    expect(fx.log).toContain('ok a/h1/p0 #1');
    expect(fx.log.indexOf('ok a/h1/p0 #1')).toBeLessThan(fx.log.indexOf('start a/h1/s1 #1'));
    expect(fx.log).toContain('ok a/h1/p1 #1');
    expect(fx.log).toContain('fail a/h1/p2 #1');
  });

  it('keeps at most 8 steps of a group running; after a failure no other step of the group starts', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const fx = new FakeEffects();
    await run(fx, makePlan([{ name: 'a', hosts: ['h1'], steps: ids, parallel: ids }]));
    expect(fx.maxRunning).toBe(8);
    expect(fx.log.filter((l) => l.startsWith('ok ')).length).toBe(12);

    const failing = new FakeEffects().script('a/h1/p0', 'fatal');
    const out = await run(failing, makePlan([{ name: 'a', hosts: ['h1'], steps: [...ids, 'after'], parallel: ids }]));
    expect(out.failed).toBe(true);
    for (const id of ids.slice(8)) expect(failing.log).toContain(`skip a/h1/${id} not-reached`);
    expect(failing.log).toContain('skip a/h1/after not-reached');
    expect(failing.log.filter((l) => l.startsWith('start ')).length).toBeLessThanOrEqual(9);
  });
});

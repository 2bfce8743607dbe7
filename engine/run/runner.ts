// The effectful side of a run: implements RunEffects with the journal, the transports and the
// event bus, drives the run machine, and turns Ctrl-C into a clean, resumable stop.
import { createActor } from 'xstate';
import { CommandError, PlayError, lastLines } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { ErrorInfo, SkipReason, StepRef } from '../events/types.js';
import type { ExprScope } from '../expr/resolve.js';
import { isFinished, type Journal } from '../journal/journal.js';
import type { SealRegistry } from '../journal/seal-registry.js';
import type { Host, Inventory, Playbook } from '../model.js';
import type { Plan, PlannedStep } from '../plan/types.js';
import type { Masker } from '../secrets/masker.js';
import type { SecretSource } from '../secrets/store.js';
import type { TransportPool } from '../transport/pool.js';
import { sleep } from '../util/sleep.js';
import type { StepKind } from '../step-kind.js';
import type { RunEffects } from './effects.js';
import { renderStep } from './render-step.js';
import { createRunMachine } from './run-machine.js';
import { assertSealPrerequisites, createSealLedger, sealSummary, withSealSummary } from './seal-ledger.js';
import { createStepContext } from './step-context.js';

export interface RunnerOptions {
  plan: Plan;
  playbook: Playbook;
  inventory: Inventory;
  secrets: SecretSource;
  masker: Masker;
  journal: Journal;
  seals: SealRegistry;
  bus: EventBus;
  pool: TransportPool;
  keepSsh: boolean;
  signal: AbortSignal;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined;
  now?: () => number;
}

export type RunOutcome = 'succeeded' | 'failed' | 'interrupted';

export async function executePlan(o: RunnerOptions): Promise<RunOutcome> {
  const now = o.now ?? Date.now;
  const startedAt = now();
  const failures: { host: string; step: string; message: string }[] = [];
  const rendered = new Map<string, Record<string, unknown>>();
  const pendingOutputs = new Map<string, { outputs: Record<string, string>; secret: string[] }>();
  const inFlight = new Set<Promise<unknown>>();
  const keyById = new Map<string, string>();
  for (const rec of Object.values(o.journal.state.steps)) keyById.set(`${rec.host}\u0000${rec.step}`, rec.key);
  // Secret outputs restored from the journal are masked before anything can print them.
  for (const rec of Object.values(o.journal.state.steps)) for (const name of rec.secretOutputs ?? []) o.masker.add(rec.outputs?.[name]);

  const outputsOf = (hostName: string, stepId: string) => {
    const key = keyById.get(`${hostName}\u0000${stepId}`);
    const rec = key ? o.journal.state.steps[key] : undefined;
    return rec && isFinished(rec) ? (rec.outputs ?? {}) : undefined;
  };
  const scopeFor = (step: PlannedStep): ExprScope => ({
    vars: o.playbook.vars,
    cluster: o.inventory.cluster,
    host: o.inventory.hosts.find((h) => h.name === step.host)!,
    hosts: o.inventory.hosts,
    outputsOf,
    secret: (name) => o.secrets.get(name),
  });
  const ctxDeps = {
    inventory: o.inventory,
    pool: o.pool,
    bus: o.bus,
    masker: o.masker,
    keepSsh: o.keepSsh,
    outputsOf,
    sealLedger: (host: Host) => createSealLedger(host, o.journal, o.seals, o.bus.runId, now),
  };
  const ref = (s: PlannedStep): StepRef => ({ phase: s.phase, host: s.host, step: s.id, uses: s.uses, title: s.title });
  const kindOf = (step: PlannedStep) => {
    const kind = o.findKind(step.uses);
    if (!kind) throw new PlayError(`unknown step kind "${step.uses}"`, { code: 'E_INPUT', host: step.host });
    return kind;
  };
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  };

  // xstate starts a new child (and runs its entry actions) before its parent's actions run, so
  // "started" events are announced here, once each, parents before children.
  const announced = new Set<string>();
  // Steps this run reported on; after an interruption the others are reported as not reached.
  const touched = new Set<string>();
  const announcePhase = (phase: string) => {
    if (announced.has(phase)) return;
    announced.add(phase);
    const planned = o.plan.phases.find((p) => p.name === phase)!;
    o.bus.emit({ type: 'phase.started', phase, hosts: planned.hosts.map((h) => h.name) });
  };
  const announceHost = (phase: string, host: string) => {
    announcePhase(phase);
    if (announced.has(`${phase}\u0000${host}`)) return;
    announced.add(`${phase}\u0000${host}`);
    o.bus.emit({ type: 'host.started', phase, host });
  };

  const effects: RunEffects = {
    resumeInfo(step) {
      const rec = o.journal.state.steps[step.key];
      const next = rec?.status === 'retrying' && rec.nextAttemptAt ? Date.parse(rec.nextAttemptAt) : undefined;
      return { finished: isFinished(rec), ...(next ? { nextAttemptAt: next } : {}) };
    },
    check(step, attempt, signal) {
      return track(
        (async () => {
          const kind = kindOf(step);
          const r = renderStep(step, kind, scopeFor(step));
          if (!r.run) return { done: true, reason: 'when' as SkipReason, detail: 'when: condition is false' };
          rendered.set(step.key, r.with);
          if (!kind.check) return { done: false };
          const result = await kind.check(createStepContext(ctxDeps, step, attempt, signal), r.with);
          if (!result.done) return { done: false };
          if (result.deferred) return { done: true, reason: 'deferred' as SkipReason, ...(result.reason ? { detail: result.reason } : {}) };
          if (result.outputs) stashOutputs(kind, step, r.with, result.outputs);
          const reason: SkipReason = step.uses === 'shell' && typeof r.with.creates === 'string' ? 'creates' : 'check';
          return { done: true, reason, ...(result.reason ? { detail: result.reason } : {}) };
        })(),
      );
    },
    run(step, attempt, signal) {
      return track(
        (async () => {
          const kind = kindOf(step);
          const w = rendered.get(step.key) ?? renderStep(step, kind, scopeFor(step)).with;
          if (kind.sealsHost) assertSealPrerequisites(step, o.plan, o.journal, o.findKind);
          const ctx = createStepContext(ctxDeps, step, attempt, signal);
          const outputs = (await kind.run(ctx, w)) ?? {};
          // A seal is recorded on proof only: the journal must show the command was sent.
          if (kind.sealsHost && outputs.sealed === 'true' && !ctx.seal.commandSent()) {
            throw new PlayError(`${step.host}: not recorded as sealed: the journal has no record that the seal command was sent to it`, { code: 'E_STEP', host: step.host });
          }
          stashOutputs(kind, step, w, outputs);
        })(),
      );
    },
    sleepUntil: (until, signal) => track(sleep(until - now(), signal)),
    now,
    // Masked here, not only on the bus: errors are also kept in the journal, which `status` prints.
    describeError: (error) => o.masker.maskDeep(describeError(error)),

    stepStarted(step, attempt) {
      touched.add(step.key);
      announceHost(step.phase, step.host);
      o.journal.update(step.key, { status: 'running', attempts: attempt, startedAt: new Date(now()).toISOString(), nextAttemptAt: undefined, error: undefined });
      o.bus.emit({ type: 'step.started', ...ref(step), attempt, attempts: step.retry.attempts });
    },
    stepSucceeded(step, attempt, durationMs) {
      const out = pendingOutputs.get(step.key);
      pendingOutputs.delete(step.key);
      o.journal.update(step.key, {
        status: 'succeeded',
        endedAt: new Date(now()).toISOString(),
        outputs: out?.outputs ?? {},
        secretOutputs: out?.secret.length ? out.secret : undefined,
      });
      recordSeal(step, out?.outputs);
      o.bus.emit({ type: 'step.succeeded', ...ref(step), attempt, durationMs });
    },
    stepSkipped(step, reason, detail) {
      touched.add(step.key);
      if (reason === 'not-reached') {
        o.bus.emit({ type: 'step.skipped', ...ref(step), reason });
        return;
      }
      announceHost(step.phase, step.host);
      if (reason === 'deferred') {
        o.journal.update(step.key, { status: 'pending', skipReason: reason, endedAt: new Date(now()).toISOString() });
      } else if (reason !== 'done') {
        const out = pendingOutputs.get(step.key);
        pendingOutputs.delete(step.key);
        o.journal.update(step.key, {
          status: 'skipped',
          skipReason: reason,
          endedAt: new Date(now()).toISOString(),
          outputs: out?.outputs ?? {},
          secretOutputs: out?.secret.length ? out.secret : undefined,
        });
      }
      o.bus.emit({ type: 'step.skipped', ...ref(step), reason, ...(detail ? { detail } : {}) });
    },
    stepRetrying(step, attempt, error, delayMs, untilMs) {
      const nextAttemptAt = new Date(untilMs).toISOString();
      o.journal.update(step.key, { status: 'retrying', error, nextAttemptAt });
      o.bus.emit({ type: 'step.retrying', ...ref(step), attempt, attempts: step.retry.attempts, error, delayMs, nextAttemptAt });
    },
    stepFailed(step, attempt, failure, durationMs) {
      // A failed seal says where the cluster stands: which hosts are sealed, which are not (on
      // the message's first line, which every report shows).
      const error = o.findKind(step.uses)?.sealsHost ? { ...failure, message: withSealSummary(failure.message, sealSummary(o.plan, o.journal, o.findKind)) } : failure;
      o.journal.update(step.key, { status: 'failed', error, endedAt: new Date(now()).toISOString() });
      failures.push({ host: step.host, step: step.id, message: error.message });
      o.bus.emit({ type: 'step.failed', ...ref(step), attempt, durationMs, error });
    },
    hostStarted: (phase, host) => announceHost(phase.name, host.name),
    hostSucceeded: (phase, host, durationMs) => o.bus.emit({ type: 'host.succeeded', phase: phase.name, host: host.name, durationMs }),
    hostFailed: (phase, host, durationMs, error) => o.bus.emit({ type: 'host.failed', phase: phase.name, host: host.name, durationMs, error }),
    hostSkipped: (phase, host, reason) => o.bus.emit({ type: 'host.skipped', phase: phase.name, host: host.name, reason }),
    phaseStarted: (phase) => announcePhase(phase.name),
    phaseSucceeded: (phase, durationMs) => {
      o.journal.sync();
      o.bus.emit({ type: 'phase.succeeded', phase: phase.name, durationMs });
    },
    phaseFailed: (phase, durationMs) => {
      o.journal.sync();
      o.bus.emit({ type: 'phase.failed', phase: phase.name, durationMs });
    },
    phaseSkipped: (phase, reason) => o.bus.emit({ type: 'phase.skipped', phase: phase.name, reason }),
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function stashOutputs(kind: StepKind<any>, step: PlannedStep, w: Record<string, unknown>, outputs: Record<string, string>): void {
    const secret = (kind.outputs?.(w) ?? []).filter((d) => d.secret).map((d) => d.name);
    for (const name of secret) o.masker.add(outputs[name]);
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(outputs)) {
      clean[k] = String(v);
      // An output that shows a secret (a password echoed back, say) is kept as a secret output.
      if (!secret.includes(k) && o.masker.mask(clean[k]) !== clean[k]) secret.push(k);
    }
    pendingOutputs.set(step.key, { outputs: clean, secret });
  }

  function recordSeal(step: PlannedStep, outputs: Record<string, string> | undefined): void {
    if (!o.findKind(step.uses)?.sealsHost || outputs?.sealed !== 'true') return;
    const host = o.inventory.hosts.find((h) => h.name === step.host)!;
    const record = { host: host.name, address: host.address, port: host.port, runId: o.bus.runId, at: outputs.at ?? new Date(now()).toISOString() };
    o.journal.seal(record);
    o.seals.add(record);
    void o.pool.drop(host.name);
  }

  const actor = createActor(createRunMachine(effects), { input: { plan: o.plan } });
  // The state cannot be written (disk full): stop like an interruption, then fail the run.
  let journalFailure: { error: PlayError; stepKey: string | undefined } | undefined;
  const outcome = await new Promise<RunOutcome>((resolve, reject) => {
    const onAbort = () => resolve('interrupted');
    if (o.signal.aborted) return resolve('interrupted');
    o.signal.addEventListener('abort', onAbort, { once: true });
    o.journal.onFailure((error, stepKey) => {
      journalFailure = { error, stepKey };
      o.signal.removeEventListener('abort', onAbort);
      resolve('failed');
    });
    actor.subscribe({
      complete: () => {
        o.signal.removeEventListener('abort', onAbort);
        resolve(actor.getSnapshot().output?.failed ? 'failed' : 'succeeded');
      },
      error: (err) => {
        o.signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    });
    actor.start();
  });
  if (outcome === 'interrupted' || journalFailure) {
    // Stopping the actor aborts every invoked promise's signal: running commands are killed.
    actor.stop();
    const grace = new AbortController();
    await Promise.race([Promise.allSettled([...inFlight]), sleep(5000, grace.signal).catch(() => undefined)]);
    grace.abort();
    for (const phase of o.plan.phases) {
      for (const host of phase.hosts) {
        for (const step of host.steps) if (!touched.has(step.key)) o.bus.emit({ type: 'step.skipped', ...ref(step), reason: 'not-reached' });
      }
    }
  }
  if (journalFailure) {
    const rec = journalFailure.stepKey ? o.journal.state.steps[journalFailure.stepKey] : undefined;
    failures.push({ host: rec?.host ?? '-', step: rec?.step ?? '-', message: journalFailure.error.message });
    o.bus.emit({ type: 'log', level: 'error', message: journalFailure.error.message });
  }
  const durationMs = now() - startedAt;
  o.journal.finish(outcome);
  if (outcome === 'succeeded') o.bus.emit({ type: 'run.succeeded', durationMs });
  else if (outcome === 'failed') o.bus.emit({ type: 'run.failed', durationMs, failures });
  else o.bus.emit({ type: 'run.interrupted', durationMs, stateFile: o.journal.file });
  return outcome;
}

export function describeError(error: unknown): ErrorInfo & { retryable: boolean } {
  if (error instanceof CommandError) {
    const output = lastLines([error.stdout, error.stderr].filter(Boolean).join('\n'), 10);
    return {
      code: error.code,
      message: error.host ? `${error.host}: ${error.shortMessage}` : error.shortMessage,
      retryable: error.retryable,
      command: error.command,
      ...(error.exitCode !== undefined ? { exitCode: error.exitCode } : {}),
      ...(output ? { output } : {}),
    };
  }
  if (error instanceof PlayError) return { code: error.code, message: error.message, retryable: error.retryable };
  // Anything else is a bug in a step kind: show it, do not retry it.
  return { code: 'E_STEP', message: error instanceof Error ? error.message : String(error), retryable: false };
}

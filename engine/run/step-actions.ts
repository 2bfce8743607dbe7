// The effectful half of RunEffects that acts on hosts: whether a step is already finished (the
// journal), its check (`when:`, `creates:`, the kind's own check) and one attempt of its run,
// each with the step rendered against the run's scope and a StepContext of its own.
import type { SkipReason } from '../events/types.js';
import type { ExprScope } from '../expr/resolve.js';
import { PlayError } from '../errors.js';
import { isFinished, type Journal } from '../journal/journal.js';
import type { SealRegistry } from '../journal/seal-registry.js';
import type { Inventory, Playbook } from '../model.js';
import { sealedLeftOut } from '../plan/sealed-refusals.js';
import type { Plan, PlannedStep } from '../plan/types.js';
import type { SecretSource } from '../secrets/store.js';
import type { StepKind } from '../step-kind.js';
import type { CheckOutcome, RunEffects } from './effects.js';
import type { InFlight } from './in-flight.js';
import { renderStep } from './render-step.js';
import { assertSealPrerequisites } from './seal-ledger.js';
import { createStepContext, inventoryHost, type StepContextDeps } from './step-context.js';
import type { StepOutputs } from './step-outputs.js';

export interface StepActionDeps {
  playbook: Playbook;
  inventory: Inventory;
  secrets: SecretSource;
  journal: Journal;
  outputs: StepOutputs;
  inFlight: InFlight;
  context: Omit<StepContextDeps, 'outputsOf'>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined;
  /** The plan (which phases leave sealed hosts out) and the seals of earlier runs. */
  plan: Plan;
  seals: SealRegistry;
}

type StepActions = Pick<RunEffects, 'resumeInfo' | 'check' | 'run'>;

export function createStepActions(d: StepActionDeps): StepActions {
  // `with:` as rendered for the check, reused by the run of the same attempt.
  const rendered = new Map<string, Record<string, unknown>>();
  const ctxDeps: StepContextDeps = { ...d.context, outputsOf: d.outputs.outputsOf };
  const scopeFor = (step: PlannedStep): ExprScope => ({
    vars: d.playbook.vars,
    cluster: d.inventory.cluster,
    host: inventoryHost(d.inventory, step.host),
    hosts: d.inventory.hosts,
    outputsOf: d.outputs.outputsOf,
    secret: (name) => d.secrets.get(name),
    factsOf: (name) => d.context.factsOf(name),
  });
  const kindOf = (step: PlannedStep) => {
    const kind = d.findKind(step.uses);
    if (!kind) throw new PlayError(`unknown step kind "${step.uses}"`, { code: 'E_INPUT', host: step.host });
    return kind;
  };

  /** A phase that leaves sealed hosts out, on a host an earlier run sealed: skipped without connecting. */
  const leftOut = sealedLeftOut(d.plan, d.inventory, (h) => d.seals.find(h));
  const sealedSkip = (step: PlannedStep): string | undefined => {
    const seal = leftOut(step);
    return seal ? `SSH on ${step.host} was turned off by run ${seal.runId} at ${seal.at}: left out of this phase` : undefined;
  };

  async function check(step: PlannedStep, attempt: number, signal: AbortSignal): Promise<CheckOutcome> {
    const kind = kindOf(step);
    const sealed = sealedSkip(step);
    if (sealed) return { done: true, reason: 'sealed', detail: sealed };
    const r = renderStep(step, kind, scopeFor(step));
    if (!r.run) return { done: true, reason: 'when', detail: 'when: condition is false' };
    rendered.set(step.key, r.with);
    if (!kind.check) return { done: false };
    const result = await kind.check(createStepContext(ctxDeps, step, attempt, signal), r.with);
    if (!result.done) return { done: false };
    if (result.deferred) return { done: true, reason: 'deferred', ...(result.reason ? { detail: result.reason } : {}) };
    if (result.outputs) d.outputs.hold(kind, step, r.with, result.outputs);
    const reason: SkipReason = step.uses === 'shell' && typeof r.with.creates === 'string' ? 'creates' : 'check';
    return { done: true, reason, ...(result.reason ? { detail: result.reason } : {}) };
  }

  async function run(step: PlannedStep, attempt: number, signal: AbortSignal): Promise<void> {
    const kind = kindOf(step);
    const w = rendered.get(step.key) ?? renderStep(step, kind, scopeFor(step)).with;
    if (kind.sealsHost) assertSealPrerequisites(step, d.plan, d.journal, d.findKind);
    const ctx = createStepContext(ctxDeps, step, attempt, signal);
    const outputs = (await kind.run(ctx, w)) ?? {};
    // A seal is recorded on proof only: the journal must show the command was sent.
    if (kind.sealsHost && outputs.sealed === 'true' && !ctx.seal.commandSent()) {
      throw new PlayError(`${step.host}: not recorded as sealed: the journal has no record that the seal command was sent to it`, { code: 'E_STEP', host: step.host });
    }
    d.outputs.hold(kind, step, w, outputs);
  }

  return {
    resumeInfo(step) {
      const rec = d.journal.state.steps[step.key];
      const next = rec?.status === 'retrying' && rec.nextAttemptAt ? Date.parse(rec.nextAttemptAt) : undefined;
      return { finished: isFinished(rec), ...(next ? { nextAttemptAt: next } : {}) };
    },
    check: (step, attempt, signal) => d.inFlight.track(check(step, attempt, signal)),
    run: (step, attempt, signal) => d.inFlight.track(run(step, attempt, signal)),
  };
}

// One step on one host, as states: an attempt (its check, then its run unless the check finds it
// done) → succeeded or skipped, or a retry wait with exponential backoff, or failed. The host
// machine runs its steps through these states itself, nested in its own (no actor per step: an
// actor costs more than the whole of a quick step's bookkeeping, and at hundreds of hosts its
// garbage outlives the young generation); a parallel group's steps each get a step machine
// built from the same states (step-machine.ts).
//
// Check and run are one attempt, run by the machine's attempt runner (attempt-runner.ts, invoked
// as `attempts` at the machine's root). The timeout is a machine delay over the attempt: leaving
// `attempting` tells the runner to stop it, whose AbortSignal kills the command; the attempt then
// counts as failed (retryable). A step without a timeout gets the states without
// the delay (`timed: false`): xstate keeps every pending delay of the whole run in one table that
// each stopping actor scans, so hundreds of hosts with a never-firing delay each would make every
// step cost more the more hosts run.
import { fromPromise, setup, type AnyEventObject } from 'xstate';
import { PlayError } from '../errors.js';
import type { ErrorInfo } from '../events/types.js';
import type { PlannedStep } from '../plan/types.js';
import { attemptRunner, type AttemptCommand, type AttemptOutcome } from './attempt-runner.js';
import { backoffDelay, type RunEffects } from './effects.js';

/** What the states keep about the step they run (part of the host machine's context). */
export interface StepFields {
  step: PlannedStep;
  attempt: number;
  attemptStartedAt: number;
  waitUntil: number;
  /** The running attempt's id (attempt-runner.ts): an outcome with another id is stale. */
  attemptId: number;
  stepError: (ErrorInfo & { retryable: boolean }) | undefined;
  outcome: 'succeeded' | 'skipped' | 'failed';
}

// setTimeout's ceiling: "no timeout" must not overflow into an immediate fire.
const NO_TIMEOUT = 2_147_483_647;

/** The fields for a step about to run (a backoff deadline an earlier run saved is honoured). */
export function stepFields(effects: RunEffects, step: PlannedStep): StepFields {
  return { ...blankStepFields(step), waitUntil: effects.resumeInfo(step).nextAttemptAt ?? 0 };
}

/** Fields for a machine that has not begun a step yet (read by nothing until `stepFields`). */
export function blankStepFields(first: PlannedStep | undefined): StepFields {
  return { step: first as PlannedStep, attempt: 1, attemptStartedAt: 0, waitUntil: 0, attemptId: 0, stepError: undefined, outcome: 'failed' };
}

/** The actors, guards, actions and delays the step states name: every machine that nests them
 * puts these in its setup. */
export function stepImplementations(effects: RunEffects) {
  return {
    actors: {
      attempts: attemptRunner(effects),
      sleepUntil: fromPromise<void, { until: number }>(({ input, signal }) => effects.sleepUntil(input.until, signal)),
    },
    guards: {
      finishedEarlier: ({ context }: { context: StepFields }) => effects.resumeInfo(context.step).finished,
      mayRetry: ({ context }: { context: StepFields }) => context.stepError?.retryable === true && context.attempt < context.step.retry.attempts,
      hasBackoffDeadline: ({ context }: { context: StepFields }) => context.waitUntil > effects.now(),
    },
    delays: {
      stepTimeout: ({ context }: { context: StepFields }) => context.step.timeoutMs ?? NO_TIMEOUT,
    },
  };
}

/** The step states: `start` first, then one of the final states `succeeded`, `skipped`, `failed`. */
export function stepStates<C extends StepFields>(effects: RunEffects, { timed }: { timed: boolean }) {
  const logic = setup({ types: { context: {} as C }, ...stepImplementations(effects) });
  /** Sets step fields in a context that may hold more (the host machine's). */
  const set = (fields: (context: C, event: AnyEventObject) => Partial<StepFields>) =>
    logic.assign(({ context, event }) => fields(context, event) as Partial<C>);
  const recordTimeout = set((context) => ({
    stepError: effects.describeError(
      new PlayError(`step timed out after ${Math.round((context.step.timeoutMs ?? 0) / 1000)}s and was stopped`, {
        code: 'E_TIMEOUT',
        retryable: true,
        host: context.step.host,
      }),
    ),
  }));
  /** The step's timeout on the attempt, in the timed states only. */
  const timeout = timed ? { after: { stepTimeout: { target: 'attemptFailed' as const, actions: recordTimeout } } } : {};
  return logic.createStateConfig({
    initial: 'start',
    states: {
      start: {
        always: [
          // Decided here, before the step starts, so its "skipped" comes before the next step's
          // "started".
          { guard: 'finishedEarlier', target: 'skipped', actions: ({ context }) => effects.stepSkipped(context.step, 'done') },
          { guard: 'hasBackoffDeadline', target: 'waiting' },
          { target: 'attempting' },
        ],
      },
      attempting: {
        entry: [
          set(() => ({ attemptStartedAt: effects.now(), attemptId: nextAttemptId++ })),
          ({ context }) => effects.stepStarted(context.step, context.attempt),
          logic.sendTo('attempts', ({ context }): AttemptCommand => ({ type: 'attempt.start', id: context.attemptId, step: context.step, attempt: context.attempt })),
        ],
        // Leaving early (the timeout, a stop) aborts the attempt; after its outcome, a no-op.
        exit: logic.sendTo('attempts', { type: 'attempt.stop' } satisfies AttemptCommand),
        on: {
          'attempt.done': [
            {
              guard: ({ context, event }) => isCurrent(context, event) && event.output.done === true,
              target: 'skipped',
              actions: ({ context, event }) => {
                const { output } = event as Extract<AttemptOutcome, { type: 'attempt.done' }>;
                effects.stepSkipped(context.step, output.reason ?? 'check', output.detail);
              },
            },
            {
              guard: ({ context, event }) => isCurrent(context, event),
              target: 'succeeded',
              actions: ({ context }) => effects.stepSucceeded(context.step, context.attempt, effects.now() - context.attemptStartedAt),
            },
          ],
          'attempt.error': {
            guard: ({ context, event }) => isCurrent(context, event),
            target: 'attemptFailed',
            actions: set((_, event) => ({ stepError: effects.describeError(event.error) })),
          },
        },
        // The timeout covers the check too: a check can hang (a FIFO, a dead mount).
        ...timeout,
      },
      attemptFailed: {
        always: [
          {
            guard: 'mayRetry',
            target: 'waiting',
            actions: [
              set((context) => ({ waitUntil: effects.now() + backoffDelay(context.step, context.attempt) })),
              ({ context }) =>
                // Never negative: on a loaded machine the clock moves between the two reads.
                effects.stepRetrying(context.step, context.attempt, stepError(context), Math.max(0, context.waitUntil - effects.now()), context.waitUntil),
              set((context) => ({ attempt: context.attempt + 1 })),
            ],
          },
          {
            target: 'failed',
            actions: ({ context }) => effects.stepFailed(context.step, context.attempt, stepError(context), effects.now() - context.attemptStartedAt),
          },
        ],
      },
      waiting: {
        invoke: {
          src: 'sleepUntil',
          input: ({ context }) => ({ until: context.waitUntil }),
          onDone: { target: 'attempting' },
          onError: { target: 'attempting' },
        },
      },
      succeeded: { type: 'final', entry: set(() => ({ outcome: 'succeeded' })) },
      skipped: { type: 'final', entry: set(() => ({ outcome: 'skipped' })) },
      failed: { type: 'final', entry: set(() => ({ outcome: 'failed' })) },
    },
  });
}

/** Attempt ids, unique in the process (a stale outcome can never match a later attempt). */
let nextAttemptId = 1;

function isCurrent(context: StepFields, event: AnyEventObject): boolean {
  return (event as AttemptOutcome).id === context.attemptId;
}

/** The step's failure as reported (without the retry flag). */
export function stepError(context: Pick<StepFields, 'stepError'>): ErrorInfo {
  if (!context.stepError) return { code: 'E_STEP', message: 'unknown failure' };
  const { retryable: _r, ...info } = context.stepError;
  return info;
}

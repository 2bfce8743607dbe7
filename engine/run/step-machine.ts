// One step on one host: check → run → succeeded, or a retry wait with exponential backoff, or
// failed. The timeout is a machine delay: leaving `running` stops the promise actor, whose
// AbortSignal kills the command; the attempt then counts as failed (retryable).
import { assign, fromPromise, setup } from 'xstate';
import { PlayError } from '../errors.js';
import type { ErrorInfo } from '../events/types.js';
import type { PlannedStep } from '../plan/types.js';
import { backoffDelay, type CheckOutcome, type RunEffects } from './effects.js';

export interface StepMachineInput {
  step: PlannedStep;
}

export interface StepMachineOutput {
  status: 'succeeded' | 'skipped' | 'failed';
  error?: ErrorInfo;
}

interface StepContext {
  step: PlannedStep;
  attempt: number;
  attemptStartedAt: number;
  waitUntil: number;
  error: (ErrorInfo & { retryable: boolean }) | undefined;
  outcome: StepMachineOutput['status'];
}

// setTimeout's ceiling: "no timeout" must not overflow into an immediate fire.
const NO_TIMEOUT = 2_147_483_647;

export function createStepMachine(effects: RunEffects) {
  return setup({
    types: {
      context: {} as StepContext,
      input: {} as StepMachineInput,
      output: {} as StepMachineOutput,
    },
    actors: {
      check: fromPromise<CheckOutcome, { step: PlannedStep; attempt: number }>(({ input, signal }) =>
        effects.check(input.step, input.attempt, signal),
      ),
      run: fromPromise<void, { step: PlannedStep; attempt: number }>(({ input, signal }) => effects.run(input.step, input.attempt, signal)),
      sleepUntil: fromPromise<void, { until: number }>(({ input, signal }) => effects.sleepUntil(input.until, signal)),
    },
    actions: {
      recordTimeout: assign({
        error: ({ context }) =>
          effects.describeError(
            new PlayError(`step timed out after ${Math.round((context.step.timeoutMs ?? 0) / 1000)}s and was stopped`, {
              code: 'E_TIMEOUT',
              retryable: true,
              host: context.step.host,
            }),
          ),
      }),
    },
    delays: {
      stepTimeout: ({ context }) => context.step.timeoutMs ?? NO_TIMEOUT,
    },
    guards: {
      finishedEarlier: ({ context }) => effects.resumeInfo(context.step).finished,
      mayRetry: ({ context }) => context.error?.retryable === true && context.attempt < context.step.retry.attempts,
      hasBackoffDeadline: ({ context }) => context.waitUntil > effects.now(),
    },
  }).createMachine({
    id: 'step',
    context: ({ input }) => {
      const resume = effects.resumeInfo(input.step);
      return { step: input.step, attempt: 1, attemptStartedAt: 0, waitUntil: resume.nextAttemptAt ?? 0, error: undefined, outcome: 'failed' };
    },
    initial: 'start',
    states: {
      start: {
        always: [
          // Decided here rather than by the host machine, so its "skipped" comes before the
          // next step's "started" (xstate starts a child before running its parent's actions).
          { guard: 'finishedEarlier', target: 'skipped', actions: ({ context }) => effects.stepSkipped(context.step, 'done') },
          { guard: 'hasBackoffDeadline', target: 'waiting' },
          { target: 'checking' },
        ],
      },
      checking: {
        entry: [
          assign({ attemptStartedAt: () => effects.now() }),
          ({ context }) => effects.stepStarted(context.step, context.attempt),
        ],
        invoke: {
          src: 'check',
          input: ({ context }) => ({ step: context.step, attempt: context.attempt }),
          onDone: [
            {
              guard: ({ event }) => event.output.done,
              target: 'skipped',
              actions: ({ context, event }) => effects.stepSkipped(context.step, event.output.reason ?? 'check', event.output.detail),
            },
            { target: 'running' },
          ],
          onError: { target: 'attemptFailed', actions: assign({ error: ({ event }) => effects.describeError(event.error) }) },
        },
        // The timeout covers the check too: a check can hang (a FIFO, a dead mount).
        after: { stepTimeout: { target: 'attemptFailed', actions: 'recordTimeout' } },
      },
      running: {
        invoke: {
          src: 'run',
          input: ({ context }) => ({ step: context.step, attempt: context.attempt }),
          onDone: {
            target: 'succeeded',
            actions: ({ context }) => effects.stepSucceeded(context.step, context.attempt, effects.now() - context.attemptStartedAt),
          },
          onError: { target: 'attemptFailed', actions: assign({ error: ({ event }) => effects.describeError(event.error) }) },
        },
        after: { stepTimeout: { target: 'attemptFailed', actions: 'recordTimeout' } },
      },
      attemptFailed: {
        always: [
          {
            guard: 'mayRetry',
            target: 'waiting',
            actions: [
              assign({ waitUntil: ({ context }) => effects.now() + backoffDelay(context.step, context.attempt) }),
              ({ context }) =>
                // Never negative: on a loaded machine the clock moves between the two reads.
                effects.stepRetrying(context.step, context.attempt, strip(context.error), Math.max(0, context.waitUntil - effects.now()), context.waitUntil),
              assign({ attempt: ({ context }) => context.attempt + 1 }),
            ],
          },
          {
            target: 'failed',
            actions: ({ context }) => effects.stepFailed(context.step, context.attempt, strip(context.error), effects.now() - context.attemptStartedAt),
          },
        ],
      },
      waiting: {
        invoke: {
          src: 'sleepUntil',
          input: ({ context }) => ({ until: context.waitUntil }),
          onDone: { target: 'checking' },
          onError: { target: 'checking' },
        },
      },
      succeeded: { type: 'final', entry: assign({ outcome: 'succeeded' }) },
      skipped: { type: 'final', entry: assign({ outcome: 'skipped' }) },
      failed: { type: 'final', entry: assign({ outcome: 'failed' }) },
    },
    output: ({ context }) =>
      context.outcome === 'failed' ? { status: 'failed', error: strip(context.error) } : { status: context.outcome },
  });
}

function strip(error: (ErrorInfo & { retryable: boolean }) | undefined): ErrorInfo {
  if (!error) return { code: 'E_STEP', message: 'unknown failure' };
  const { retryable: _r, ...info } = error;
  return info;
}

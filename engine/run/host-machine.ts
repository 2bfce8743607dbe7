// One host in one phase: its steps in order (each step machine skips what an earlier run
// finished); after a failure the remaining steps are not run (skipped as not-reached).
import { assign, setup } from 'xstate';
import type { ErrorInfo } from '../events/types.js';
import type { PlannedHost, PlannedPhase } from '../plan/types.js';
import type { RunEffects } from './effects.js';
import { createStepMachine, type StepMachineOutput } from './step-machine.js';

export interface HostMachineInput {
  phase: PlannedPhase;
  host: PlannedHost;
}

export interface HostMachineOutput {
  host: string;
  failed: boolean;
  error?: ErrorInfo;
}

interface HostContext extends HostMachineInput {
  index: number;
  startedAt: number;
  error: ErrorInfo | undefined;
}

export function createHostMachine(effects: RunEffects) {
  return setup({
    types: { context: {} as HostContext, input: {} as HostMachineInput, output: {} as HostMachineOutput },
    actors: { step: createStepMachine(effects, { timed: false }), timedStep: createStepMachine(effects, { timed: true }) },
    guards: {
      allDone: ({ context }) => context.index >= context.host.steps.length,
      timed: ({ context }) => context.host.steps[context.index]?.timeoutMs !== undefined,
      stepFailed: ({ event }) => (event as unknown as { output: StepMachineOutput }).output.status === 'failed',
    },
    actions: {
      recordError: assign({ error: ({ event }) => (event as unknown as { output: StepMachineOutput }).output.error }),
      advance: assign({ index: ({ context }) => context.index + 1 }),
    },
  }).createMachine({
    id: 'host',
    context: ({ input }) => ({ ...input, index: 0, startedAt: effects.now(), error: undefined }),
    initial: 'next',
    states: {
      next: {
        always: [{ guard: 'allDone', target: 'succeeded' }, { guard: 'timed', target: 'timedStep' }, { target: 'step' }],
      },
      // The same state for a step with a timeout and one without; only the machine invoked differs.
      step: {
        invoke: {
          src: 'step',
          input: ({ context }) => ({ step: context.host.steps[context.index]! }),
          onDone: [{ guard: 'stepFailed', target: 'failed', actions: 'recordError' }, { target: 'next', actions: 'advance' }],
        },
      },
      timedStep: {
        invoke: {
          src: 'timedStep',
          input: ({ context }) => ({ step: context.host.steps[context.index]! }),
          onDone: [{ guard: 'stepFailed', target: 'failed', actions: 'recordError' }, { target: 'next', actions: 'advance' }],
        },
      },
      succeeded: {
        type: 'final',
        entry: ({ context }) => effects.hostSucceeded(context.phase, context.host, effects.now() - context.startedAt),
      },
      failed: {
        type: 'final',
        entry: ({ context }) => {
          for (const step of context.host.steps.slice(context.index + 1)) effects.stepSkipped(step, 'not-reached');
          effects.hostFailed(context.phase, context.host, effects.now() - context.startedAt, context.error ?? { code: 'E_STEP', message: 'failed' });
        },
      },
    },
    output: ({ context }) => ({
      host: context.host.name,
      failed: context.error !== undefined,
      ...(context.error ? { error: context.error } : {}),
    }),
  });
}

// One host in one phase: its steps in order, each through the step states (step-states.ts)
// nested in this machine, which skip what an earlier run finished; after a failure the
// remaining steps are not run (skipped as not-reached).
// Neighbouring steps marked `parallel` run as a group: up to GROUP_AT_ONCE at a time (what the
// transport keeps in flight on one connection; also what keeps xstate's children few — it copies
// them at every spawn and stop), the next step once every one of them is over. After a failure in
// a group, the steps of it already running finish, no other starts, and the host fails.
import { assign, enqueueActions, setup } from 'xstate';
import type { ErrorInfo } from '../events/types.js';
import type { PlannedHost, PlannedPhase } from '../plan/types.js';
import type { RunEffects } from './effects.js';
import { createStepMachine, type StepMachineOutput } from './step-machine.js';
import { blankStepFields, stepError, stepFields, stepImplementations, stepStates, type StepFields } from './step-states.js';

export interface HostMachineInput {
  phase: PlannedPhase;
  host: PlannedHost;
}

export interface HostMachineOutput {
  host: string;
  failed: boolean;
  error?: ErrorInfo;
}

interface HostContext extends HostMachineInput, StepFields {
  index: number;
  startedAt: number;
  error: ErrorInfo | undefined;
  /** While a parallel group runs: the index after its last step, the next one to start, and
   * how many are running. */
  groupEnd: number;
  groupNext: number;
  pending: number;
}

/** Steps of a parallel group running at once (the SSH transport's sessions per connection). */
export const GROUP_AT_ONCE = 8;

/** The index after the parallel group starting at `index` (index itself when there is none). */
function groupEnd(steps: readonly { parallel?: boolean }[], index: number): number {
  let end = index;
  while (steps[end]?.parallel) end++;
  return end - index >= 2 ? end : index;
}

export function createHostMachine(effects: RunEffects) {
  const stepLogic = stepImplementations(effects);
  return setup({
    types: { context: {} as HostContext, input: {} as HostMachineInput, output: {} as HostMachineOutput },
    actors: { ...stepLogic.actors, groupStep: createStepMachine(effects, { timed: false }), timedGroupStep: createStepMachine(effects, { timed: true }) },
    delays: stepLogic.delays,
    guards: {
      ...stepLogic.guards,
      allDone: ({ context }) => context.index >= context.host.steps.length,
      timed: ({ context }) => context.host.steps[context.index]?.timeoutMs !== undefined,
      stepFailed: ({ context }) => context.outcome === 'failed',
      groupStarts: ({ context }) => groupEnd(context.host.steps, context.index) > context.index,
      groupOver: ({ context }) => context.pending === 0 && context.groupNext >= context.groupEnd,
      groupFailed: ({ context }) => context.pending === 0 && context.error !== undefined,
    },
    actions: {
      startGroup: assign({ groupEnd: ({ context }) => groupEnd(context.host.steps, context.index), groupNext: ({ context }) => context.index, pending: 0 }),
      launchGroup: enqueueActions(({ context, enqueue }) => {
        if (context.error) return;
        let { groupNext, pending } = context;
        while (pending < GROUP_AT_ONCE && groupNext < context.groupEnd) {
          const step = context.host.steps[groupNext]!;
          enqueue.spawnChild(step.timeoutMs !== undefined ? 'timedGroupStep' : 'groupStep', { id: `step:${step.key}`, input: { step } });
          groupNext++;
          pending++;
        }
        enqueue.assign({ groupNext, pending });
      }),
      groupStepDone: assign({
        pending: ({ context }) => context.pending - 1,
        // The first failure is the host's (the steps of the group running still finish).
        error: ({ context, event }) => {
          const output = (event as unknown as { output: StepMachineOutput }).output;
          return context.error ?? (output.status === 'failed' ? output.error : undefined);
        },
      }),
      beginStep: assign(({ context }) => stepFields(effects, context.host.steps[context.index]!)),
      recordError: assign({ error: ({ context }) => stepError(context) }),
      advance: assign({ index: ({ context }) => context.index + 1 }),
    },
  }).createMachine({
    id: 'host',
    context: ({ input }) => ({
      ...input,
      // Placeholders: `beginStep` sets them before each step (a host may have none).
      ...blankStepFields(input.host.steps[0]),
      index: 0,
      startedAt: effects.now(),
      error: undefined,
      groupEnd: 0,
      groupNext: 0,
      pending: 0,
    }),
    // Runs the attempts of the steps nested here (attempt-runner.ts); group members have their own.
    invoke: { id: 'attempts', src: 'attempts' },
    initial: 'next',
    states: {
      next: {
        always: [
          { guard: 'allDone', target: 'succeeded' },
          { guard: 'groupStarts', target: 'group' },
          { guard: 'timed', target: 'timedStep' },
          { target: 'step' },
        ],
      },
      group: {
        entry: ['startGroup', 'launchGroup'],
        on: { 'xstate.done.actor.*': { actions: ['groupStepDone', 'launchGroup'] } },
        always: [
          // Failed: the steps not started are not reached (`failed` skips those after index).
          { guard: 'groupFailed', target: 'failed', actions: assign({ index: ({ context }) => context.groupNext - 1 }) },
          { guard: 'groupOver', target: 'next', actions: assign({ index: ({ context }) => context.groupEnd }) },
        ],
      },
      // The same states for a step with a timeout and one without; only the delay differs.
      step: {
        entry: 'beginStep',
        ...stepStates<HostContext>(effects, { timed: false }),
        onDone: [{ guard: 'stepFailed', target: 'failed', actions: 'recordError' }, { target: 'next', actions: 'advance' }],
      },
      timedStep: {
        entry: 'beginStep',
        ...stepStates<HostContext>(effects, { timed: true }),
        onDone: [{ guard: 'stepFailed', target: 'failed', actions: 'recordError' }, { target: 'next', actions: 'advance' }],
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

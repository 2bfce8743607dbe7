// The whole run: phases one after another. A failed phase stops the run; later phases are
// skipped (reported as not reached, their steps too).
import { assign, setup } from 'xstate';
import type { Plan } from '../plan/types.js';
import type { RunEffects } from './effects.js';
import { createPhaseMachine, type PhaseMachineOutput } from './phase-machine.js';

export interface RunMachineOutput {
  failed: boolean;
}

interface RunContext {
  plan: Plan;
  index: number;
  failed: boolean;
}

export function createRunMachine(effects: RunEffects) {
  return setup({
    types: { context: {} as RunContext, input: {} as { plan: Plan }, output: {} as RunMachineOutput },
    actors: { phase: createPhaseMachine(effects) },
    guards: {
      allDone: ({ context }) => context.index >= context.plan.phases.length,
    },
  }).createMachine({
    id: 'run',
    context: ({ input }) => ({ plan: input.plan, index: 0, failed: false }),
    initial: 'next',
    states: {
      next: {
        // Announced here, before the phase actor starts: xstate runs a new child's entry
        // actions before its parent's, which would report hosts before their phase.
        always: [
          { guard: 'allDone', target: 'succeeded' },
          { target: 'phase', actions: ({ context }) => effects.phaseStarted(context.plan.phases[context.index]!) },
        ],
      },
      phase: {
        invoke: {
          src: 'phase',
          input: ({ context }) => ({ phase: context.plan.phases[context.index]! }),
          onDone: [
            {
              guard: ({ event }) => (event.output as PhaseMachineOutput).failed,
              target: 'failed',
              actions: assign({ failed: true }),
            },
            { target: 'next', actions: assign({ index: ({ context }) => context.index + 1 }) },
          ],
        },
      },
      succeeded: { type: 'final' },
      failed: {
        type: 'final',
        entry: ({ context }) => {
          for (const phase of context.plan.phases.slice(context.index + 1)) {
            effects.phaseSkipped(phase, 'not-reached');
            for (const host of phase.hosts) for (const step of host.steps) effects.stepSkipped(step, 'not-reached');
          }
        },
      },
    },
    output: ({ context }) => ({ failed: context.failed }),
  });
}

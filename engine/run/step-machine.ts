// One step of a parallel group, as a machine of its own: the step states (step-states.ts) at its
// root, so the steps of a group can run at once as children of the host machine. Steps run one
// after another need no machine of their own: the host machine nests the same states.
import { setup } from 'xstate';
import type { ErrorInfo } from '../events/types.js';
import type { PlannedStep } from '../plan/types.js';
import type { RunEffects } from './effects.js';
import { stepError, stepFields, stepImplementations, stepStates, type StepFields } from './step-states.js';

export interface StepMachineInput {
  step: PlannedStep;
}

export interface StepMachineOutput {
  status: 'succeeded' | 'skipped' | 'failed';
  error?: ErrorInfo;
}

export function createStepMachine(effects: RunEffects, { timed }: { timed: boolean }) {
  return setup({
    types: { context: {} as StepFields, input: {} as StepMachineInput, output: {} as StepMachineOutput },
    ...stepImplementations(effects),
  }).createMachine({
    id: 'step',
    context: ({ input }) => stepFields(effects, input.step),
    invoke: { id: 'attempts', src: 'attempts' },
    ...stepStates(effects, { timed }),
    output: ({ context }) => (context.outcome === 'failed' ? { status: 'failed', error: stepError(context) } : { status: context.outcome }),
  });
}

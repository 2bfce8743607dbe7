// One phase: its hosts in parallel, at most `concurrency` at once (1 when serial), started in
// inventory order. When a host fails, hosts already running finish, no new host starts, and
// the phase ends failed.
//
// The host machines run in a pool actor (host-pool.ts), not as this machine's own children:
// xstate copies a machine's map of children at every spawn and stop, which with hundreds of
// hosts running costs time and garbage that grow with their number.
import { assign, enqueueActions, sendTo, setup } from 'xstate';
import type { PlannedPhase } from '../plan/types.js';
import type { RunEffects } from './effects.js';
import { createHostMachine } from './host-machine.js';
import { hostPool, type HostPoolEvent } from './host-pool.js';

export interface PhaseMachineOutput {
  phase: string;
  failed: boolean;
}

interface PhaseContext {
  phase: PlannedPhase;
  next: number;
  running: number;
  failed: boolean;
  startedAt: number;
}

export function createPhaseMachine(effects: RunEffects) {
  return setup({
    types: {
      context: {} as PhaseContext,
      input: {} as { phase: PlannedPhase },
      output: {} as PhaseMachineOutput,
      events: {} as HostPoolEvent,
    },
    actors: { hosts: hostPool(createHostMachine(effects)) },
    guards: {
      finished: ({ context }) => context.running === 0 && (context.failed || context.next >= context.phase.hosts.length),
    },
    actions: {
      launch: enqueueActions(({ context, enqueue }) => {
        if (context.failed) return;
        let { next, running } = context;
        while (running < context.phase.concurrency && next < context.phase.hosts.length) {
          const host = context.phase.hosts[next]!;
          enqueue(() => effects.hostStarted(context.phase, host));
          enqueue(sendTo('hosts', { type: 'host.start', phase: context.phase, host }));
          next++;
          running++;
        }
        enqueue.assign({ next, running });
      }),
    },
  }).createMachine({
    id: 'phase',
    context: ({ input }) => ({ phase: input.phase, next: 0, running: 0, failed: false, startedAt: effects.now() }),
    invoke: { id: 'hosts', src: 'hosts' },
    initial: 'running',
    states: {
      running: {
        entry: 'launch',
        always: { guard: 'finished', target: 'done' },
        on: {
          'host.done': {
            actions: [
              assign({
                running: ({ context }) => context.running - 1,
                failed: ({ context, event }) => context.failed || event.output.failed,
              }),
              'launch',
            ],
          },
          // A host machine that threw (a bug, not a failed step): the run stops with it.
          'host.error': {
            actions: ({ event }) => {
              throw event.error;
            },
          },
        },
      },
      done: {
        type: 'final',
        entry: ({ context }) => {
          for (const host of context.phase.hosts.slice(context.next)) {
            effects.hostSkipped(context.phase, host, 'not-reached');
            for (const step of host.steps) effects.stepSkipped(step, 'not-reached');
          }
          const duration = effects.now() - context.startedAt;
          if (context.failed) effects.phaseFailed(context.phase, duration);
          else effects.phaseSucceeded(context.phase, duration);
        },
      },
    },
    output: ({ context }) => ({ phase: context.phase.name, failed: context.failed }),
  });
}

// The host machines of one phase, each an actor of its own started when the phase machine asks
// (`host.start`) and reported back when it ends (`host.done`, or `host.error` when it threw).
// Stopping the pool (the phase ends or the run is interrupted) stops every host still running,
// which aborts their commands.
import { createActor, fromCallback, type Actor } from 'xstate';
import type { PlannedHost, PlannedPhase } from '../plan/types.js';
import type { createHostMachine, HostMachineOutput } from './host-machine.js';

export type HostPoolEvent =
  | { type: 'host.done'; output: HostMachineOutput }
  | { type: 'host.error'; error: unknown };

interface StartHost {
  type: 'host.start';
  phase: PlannedPhase;
  host: PlannedHost;
}

type HostMachine = ReturnType<typeof createHostMachine>;

export function hostPool(machine: HostMachine) {
  return fromCallback<StartHost>(({ sendBack, receive }) => {
    const running = new Set<Actor<HostMachine>>();
    receive((event) => {
      const actor = createActor(machine, { input: { phase: event.phase, host: event.host } });
      running.add(actor);
      actor.subscribe({
        complete: () => {
          running.delete(actor);
          sendBack({ type: 'host.done', output: actor.getSnapshot().output! });
        },
        error: (error) => {
          running.delete(actor);
          sendBack({ type: 'host.error', error });
        },
      });
      actor.start();
    });
    return () => {
      for (const actor of running) actor.stop();
      running.clear();
    };
  });
}

// The host machines of one phase, each an actor of its own started when the phase machine asks
// (`host.start`) and reported back when it ends (`host.done`, or `host.error` when it threw,
// after every other host was stopped). Stopping the pool (the phase ends or the run is
// interrupted) stops every host still running, which aborts their commands.
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
    const stopAll = (): void => {
      const all = [...running];
      running.clear();
      for (const actor of all) actor.stop();
    };
    receive((event) => {
      const actor = createActor(machine, { input: { phase: event.phase, host: event.host } });
      running.add(actor);
      actor.subscribe({
        complete: () => {
          // A host stopped by the pool completes too: it has no outcome to report.
          if (!running.delete(actor) || actor.getSnapshot().status !== 'done') return;
          sendBack({ type: 'host.done', output: actor.getSnapshot().output! });
        },
        error: (error) => {
          // A host machine that threw stops the run: no other host may go on changing hosts
          // (xstate does not stop the children of a machine whose action threw).
          running.delete(actor);
          stopAll();
          sendBack({ type: 'host.error', error });
        },
      });
      actor.start();
    });
    return stopAll;
  });
}

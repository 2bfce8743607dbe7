// Runs a host's step attempts (the check, then the run unless the check finds the step done),
// one at a time, for the machine that invoked it: `attempt.start` starts one, `attempt.stop`
// aborts it (its AbortSignal kills the command), and the outcome comes back as `attempt.done` or
// `attempt.error` with the attempt's id. One long-lived actor per host instead of an actor per
// attempt: creating, starting and stopping an actor cost more than the rest of a quick step's
// bookkeeping. An attempt that was stopped never reports: a late outcome cannot be taken for the
// next attempt's.
import { fromCallback } from 'xstate';
import type { PlannedStep } from '../plan/types.js';
import type { CheckOutcome, RunEffects } from './effects.js';

export type AttemptCommand = { type: 'attempt.start'; id: number; step: PlannedStep; attempt: number } | { type: 'attempt.stop' };

export type AttemptOutcome = { type: 'attempt.done'; id: number; output: CheckOutcome } | { type: 'attempt.error'; id: number; error: unknown };

export function attemptRunner(effects: RunEffects) {
  return fromCallback<AttemptCommand>(({ sendBack, receive }) => {
    let current: { id: number; controller: AbortController } | undefined;
    const stop = (): void => {
      current?.controller.abort();
      current = undefined;
    };
    receive((command) => {
      stop();
      if (command.type === 'attempt.stop') return;
      const { id, step, attempt } = command;
      const mine = { id, controller: new AbortController() };
      current = mine;
      const { signal } = mine.controller;
      const report = (outcome: AttemptOutcome): void => {
        if (current !== mine) return;
        current = undefined;
        sendBack(outcome);
      };
      (async (): Promise<CheckOutcome> => {
        const checked = await effects.check(step, attempt, signal);
        if (checked.done) return checked;
        await effects.run(step, attempt, signal);
        return { done: false };
      })().then(
        (output) => report({ type: 'attempt.done', id, output }),
        (error: unknown) => report({ type: 'attempt.error', id, error }),
      );
    });
    return stop;
  });
}

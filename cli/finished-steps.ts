// Which steps of a plan an earlier run finished, read from the state file without opening it
// (no lock, no run record): the sealed-host check before a run, and `plan`, skip those steps as
// the run itself would. A state for another plan, or --fresh, finishes nothing.
import { existsSync } from 'node:fs';
import { isFinished, readJournal } from '../engine/journal/journal.js';
import type { Plan } from '../engine/plan/types.js';

export function finishedStepsOf(stateFile: string, plan: Plan, fresh: boolean): (key: string) => boolean {
  if (fresh || !existsSync(stateFile)) return () => false;
  try {
    const state = readJournal(stateFile);
    if (state.planHash !== plan.hash) return () => false;
    return (key) => isFinished(state.steps[key]);
  } catch {
    return () => false; // a damaged state is reported when the run opens it
  }
}

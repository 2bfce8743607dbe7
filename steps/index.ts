// Every step kind, listed by hand (no directory scanning): add a kind here when you add its file.
import { fetchStep } from './fetch.js';
import { podsecStepKinds } from './register-podsec.js';
import { shellStep } from './shell.js';
import type { StepKind } from './types.js';
import { uploadStep } from './upload.js';
import { waitForStep } from './wait-for.js';

// Kinds are stored with their `with` type erased: the engine validates `with` against the
// kind's schema before calling it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const stepKinds: readonly StepKind<any>[] = [shellStep, waitForStep, uploadStep, fetchStep, ...podsecStepKinds];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function findStepKind(kind: string): StepKind<any> | undefined {
  return stepKinds.find((k) => k.kind === kind);
}

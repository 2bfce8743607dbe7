// What the machines may ask of the outside world. The runner implements it (transports,
// journal, events); tests implement it with fakes. The machine files import only this type.
import type { ErrorInfo, SkipReason } from '../events/types.js';
import type { PlannedHost, PlannedPhase, PlannedStep } from '../plan/types.js';

export interface CheckOutcome {
  /** Skip the step (reason says why; 'deferred' is not recorded as finished). */
  done: boolean;
  reason?: SkipReason;
  detail?: string;
}

/** How a step stood when this run began (from the journal). */
export interface StepResumeInfo {
  /** Finished by an earlier run: skip it as "done". */
  finished: boolean;
  /** A retry backoff deadline from an earlier run (epoch ms): honoured after a restart. */
  nextAttemptAt?: number;
}

export interface RunEffects {
  resumeInfo(step: PlannedStep): StepResumeInfo;
  /** The idempotency check (`creates:`, the kind's check, `when:`). */
  check(step: PlannedStep, attempt: number, signal: AbortSignal): Promise<CheckOutcome>;
  /** One attempt; resolves on success (outputs recorded by the runner), rejects on failure. */
  run(step: PlannedStep, attempt: number, signal: AbortSignal): Promise<void>;
  /** A durable sleep to an absolute deadline, so a restored run waits only what is left. */
  sleepUntil(untilMs: number, signal: AbortSignal): Promise<void>;
  now(): number;
  /** Classify a failure: retryable or not, and how to show it (masked later by the bus). */
  describeError(error: unknown): ErrorInfo & { retryable: boolean };

  stepStarted(step: PlannedStep, attempt: number): void;
  stepSucceeded(step: PlannedStep, attempt: number, durationMs: number): void;
  stepSkipped(step: PlannedStep, reason: SkipReason, detail?: string): void;
  stepRetrying(step: PlannedStep, attempt: number, error: ErrorInfo, delayMs: number, untilMs: number): void;
  stepFailed(step: PlannedStep, attempt: number, error: ErrorInfo, durationMs: number): void;

  hostStarted(phase: PlannedPhase, host: PlannedHost): void;
  hostSucceeded(phase: PlannedPhase, host: PlannedHost, durationMs: number): void;
  hostFailed(phase: PlannedPhase, host: PlannedHost, durationMs: number, error: ErrorInfo): void;
  hostSkipped(phase: PlannedPhase, host: PlannedHost, reason: SkipReason): void;

  phaseStarted(phase: PlannedPhase): void;
  phaseSucceeded(phase: PlannedPhase, durationMs: number): void;
  phaseFailed(phase: PlannedPhase, durationMs: number): void;
  phaseSkipped(phase: PlannedPhase, reason: SkipReason): void;
}

/** Exponential backoff for the wait before attempt `attempt + 1`. */
export function backoffDelay(step: PlannedStep, failedAttempt: number): number {
  const { delayMs, backoff, maxDelayMs } = step.retry;
  return Math.min(maxDelayMs, Math.round(delayMs * Math.pow(backoff, Math.max(0, failedAttempt - 1))));
}

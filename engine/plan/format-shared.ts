// Wording shared by the plan printouts (text, mermaid, dot): concurrency, retry, timeout, seals.
import type { RetrySpec } from '../model.js';
import type { SealRecord } from '../journal/types.js';
import { formatSpan } from '../util/duration.js';
import type { PlannedPhase, PlannedStep } from './types.js';

export function describeConcurrency(phase: PlannedPhase): string {
  const n = phase.hosts.length;
  const hosts = `${n} host${n === 1 ? '' : 's'}`;
  if (phase.serial) return `${hosts}, one at a time (serial)`;
  if (phase.concurrency >= n) return `${hosts}, all at once`;
  return `${hosts}, ${phase.concurrency} at a time`;
}

/** `3 attempts, 1s ×2 up to 30s`, or '' for a single attempt. */
export function describeRetry(retry: RetrySpec): string {
  if (retry.attempts <= 1) return '';
  const backoff = retry.backoff === 1 ? '' : ` ×${retry.backoff}`;
  return `${retry.attempts} attempts, ${formatSpan(retry.delayMs)}${backoff} up to ${formatSpan(retry.maxDelayMs)}`;
}

/** The facts about a step worth a reviewer's eye besides its name: kind, retry, timeout, condition. */
export function stepFacts(step: PlannedStep): string[] {
  const retry = describeRetry(step.retry);
  return [
    `uses ${step.uses}`,
    retry ? `retry ${retry}` : '',
    step.timeoutMs === undefined ? '' : `timeout ${formatSpan(step.timeoutMs)}`,
    step.when === undefined ? '' : `when ${step.when}`,
  ].filter(Boolean);
}

export function sealedNote(seal: SealRecord): string {
  return `[SSH sealed by run ${seal.runId} at ${seal.at}]`;
}

// The words on each line of the live tree (phase, host, step), computed from the run model so the
// TUI code only decides when to show them: elapsed time, retry marker and countdown, skip reasons.
import { cleanLine } from './ansi.js';
import { describeError, describeSkip } from './describe.js';
import { formatDuration, formatSeconds } from './format-time.js';
import type { HostNode, PhaseNode, StepNode } from './run-model.js';

export function stepTitle(step: StepNode, now: number): string {
  const name = cleanLine(step.title || step.step);
  switch (step.status) {
    case 'running': {
      const retry = step.attempt > 1 ? ` [RETRY ${step.attempt}/${step.attempts}]` : '';
      return `${name}${retry} · ${formatSeconds(now - (step.startedAt ?? now))}`;
    }
    case 'retrying': {
      const next = step.attempt + 1;
      const wait = step.nextAttemptAt === undefined ? '' : ` in ${formatSeconds(step.nextAttemptAt - now)}`;
      const why = step.error ? ` · ${describeError(step.error)}` : '';
      return `${name} [RETRY ${next}/${step.attempts}${wait}]${why}`;
    }
    case 'succeeded': {
      const attempt = step.attempt > 1 ? `, attempt ${step.attempt}/${step.attempts}` : '';
      return `${name} (${formatDuration(step.durationMs ?? 0)}${attempt})`;
    }
    case 'skipped':
      return `${name} — ${describeSkip(step.skipReason ?? 'not-reached', step.skipDetail)}`;
    case 'failed': {
      const attempt = step.attempts > 1 ? `, attempt ${step.attempt}/${step.attempts}` : '';
      return `${name} — failed: ${step.error ? describeError(step.error) : 'unknown error'} (${formatDuration(step.durationMs ?? 0)}${attempt})`;
    }
    default:
      return name;
  }
}

export function hostTitle(host: HostNode, stepCount: number, now: number): string {
  const done = host.steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
  switch (host.status) {
    case 'waiting':
      return `${host.name} · waiting`;
    case 'running': {
      const current = host.steps.findIndex((s) => s.status === 'running' || s.status === 'retrying');
      const position = current >= 0 ? current + 1 : done;
      const of = stepCount > 0 ? `step ${position}/${stepCount}` : `${done} steps done`;
      return `${host.name} · ${of} · ${formatSeconds(now - (host.startedAt ?? now))}`;
    }
    case 'succeeded': {
      const skipped = host.steps.filter((s) => s.status === 'skipped').length;
      const extra = skipped > 0 ? `, ${skipped} skipped` : '';
      return `${host.name} (${host.steps.length} steps${extra}, ${formatDuration(host.durationMs ?? 0)})`;
    }
    case 'skipped':
      return `${host.name} — ${describeSkip(host.skipReason ?? 'not-reached')}`;
    case 'failed': {
      const step = host.steps.find((s) => s.status === 'failed');
      const error = step?.error ?? host.error;
      const interrupted = error?.code === 'E_ABORTED';
      const at = step ? ` at ${step.step}` : '';
      return `${host.name} — ${interrupted ? 'interrupted' : 'failed'}${at}${error && !interrupted ? `: ${describeError(error)}` : ''}`;
    }
    default:
      return host.name;
  }
}

export function phaseTitle(phase: PhaseNode, now: number): string {
  const hosts = `${phase.hosts.length} host${phase.hosts.length === 1 ? '' : 's'}`;
  switch (phase.status) {
    case 'running':
      return `${phase.name} · ${hosts} · ${formatSeconds(now - (phase.startedAt ?? now))}`;
    case 'succeeded':
      return `${phase.name} (${hosts}, ${formatDuration(phase.durationMs ?? 0)})`;
    case 'failed': {
      const failed = phase.hosts.filter((h) => h.status === 'failed').length;
      return `${phase.name} — ${failed} of ${hosts} failed (${formatDuration(phase.durationMs ?? 0)})`;
    }
    case 'skipped':
      return `${phase.name} — ${describeSkip(phase.skipReason ?? 'not-reached')}`;
    default:
      return `${phase.name} · ${hosts}`;
  }
}

/** The count line of a phase whose finished and waiting hosts are folded away. */
export function hostCountLine(phase: PhaseNode): string {
  const count = (pred: (h: HostNode) => boolean) => phase.hosts.filter(pred).length;
  const parts = [
    `${count((h) => h.status === 'succeeded' || h.status === 'skipped')} hosts done`,
    `${count((h) => h.status === 'running')} running`,
    `${count((h) => h.status === 'waiting')} waiting`,
  ];
  const failed = count((h) => h.status === 'failed');
  if (failed) parts.push(`${failed} failed`);
  return parts.join(' · ');
}

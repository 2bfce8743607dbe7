// The words on each line of the live tree (phase, host, step), computed from the run model so the
// TUI code only decides when to show them: elapsed time, retry marker and countdown, skip reasons.
import { cleanLine } from './ansi.js';
import { describeError, describeSkip } from './describe.js';
import { formatDuration, formatSeconds } from '../util/duration.js';
import type { HostNode, PhaseNode, StepNode } from './run-model.js';

/**
 * A step goes by its id (what the playbook, plain lines, JUnit and the summary call it); while it
 * runs, its title says what it is doing.
 */
export function stepTitle(step: StepNode, now: number): string {
  const name = step.step;
  const title = cleanLine(step.title);
  switch (step.status) {
    case 'running': {
      const retry = step.attempt > 1 ? ` [RETRY ${step.attempt}/${step.attempts}]` : '';
      const what = title && title !== name ? ` · ${title}` : '';
      return `${name}${retry}${what} · ${formatSeconds(now - (step.startedAt ?? now))}`;
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
      if (allDone(host.steps)) return `${host.name} — already done`;
      const skipped = host.steps.filter((s) => s.status === 'skipped').length;
      const extra = skipped > 0 ? `, ${skipped} skipped` : '';
      const n = host.steps.length;
      return `${host.name} (${n} step${n === 1 ? '' : 's'}${extra}, ${formatDuration(host.durationMs ?? 0)})`;
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
      if (allDone(phase.hosts.flatMap((h) => h.steps))) return `${phase.name} (${hosts}) — already done`;
      return `${phase.name} (${hosts}, ${formatDuration(phase.durationMs ?? 0)})`;
    case 'failed': {
      const failedHosts = phase.hosts.filter((h) => h.status === 'failed');
      const interrupted = failedHosts.some((h) => (h.error ?? h.steps.find((s) => s.status === 'failed')?.error)?.code === 'E_ABORTED');
      const what = interrupted ? 'interrupted' : `${failedHosts.length} of ${hosts} failed`;
      return `${phase.name} — ${what} (${formatDuration(phase.durationMs ?? 0)})`;
    }
    case 'skipped':
      return `${phase.name} — ${describeSkip(phase.skipReason ?? 'not-reached')}`;
    default:
      return `${phase.name} · ${hosts}`;
  }
}

/** Steps that were all finished by earlier runs (resume). */
function allDone(steps: StepNode[]): boolean {
  return steps.length > 0 && steps.every((s) => s.status === 'skipped' && s.skipReason === 'done');
}

/** The count line of a phase whose finished and waiting hosts are folded away. */
export function hostCountLine(phase: PhaseNode, shownRunning: number): string {
  const count = (pred: (h: HostNode) => boolean) => phase.hosts.filter(pred).length;
  const running = count((h) => h.status === 'running');
  const parts = [
    `${count((h) => h.status === 'succeeded' || h.status === 'skipped')} hosts done`,
    `${running} running${running > shownRunning ? ` (${shownRunning} shown)` : ''}`,
    `${count((h) => h.status === 'waiting')} waiting`,
  ];
  const failed = count((h) => h.status === 'failed');
  if (failed) parts.push(`${failed} failed`);
  return parts.join(' · ');
}

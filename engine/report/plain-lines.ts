// One line of text per state change, shared by the plain reporter, quiet mode and the log file's
// `msg` field: `phase/host step: succeeded (1.2s)`. No time stamp and no colour here.
import type { PlayEvent } from '../events/types.js';
import { cleanLine } from './ansi.js';
import { describeAttempt, describeError, describeSkip } from './describe.js';
import { formatDuration, formatSeconds } from '../util/duration.js';
import { formatClock, parseTime } from './clock-time.js';

const LIST_HOSTS_UP_TO = 8;

export type LineTone = 'info' | 'ok' | 'warn' | 'error' | 'dim';

export interface EventLine {
  text: string;
  tone: LineTone;
}

/** The line for an event, or undefined for events plain mode does not print (output, debug logs). */
export function eventLine(event: PlayEvent): EventLine | undefined {
  switch (event.type) {
    case 'run.started': {
      const resumed = event.resumed ? `, resuming from ${event.stateFile}` : '';
      const text = `run ${event.playbook}: started on ${count(event.hosts.length, 'host')}, ${count(event.phases.length, 'phase')} (plan ${event.planHash.slice(0, 12)}${resumed}); log: ${event.logFile}`;
      return { text, tone: 'info' };
    }
    case 'run.succeeded':
      return { text: `run: succeeded (${formatDuration(event.durationMs)})`, tone: 'ok' };
    case 'run.failed':
      return { text: `run: failed (${formatDuration(event.durationMs)}, ${count(event.failures.length, 'failure')})`, tone: 'error' };
    case 'run.interrupted':
      return { text: `run: interrupted (${formatDuration(event.durationMs)}); state saved to ${event.stateFile}`, tone: 'warn' };
    case 'preflight.finished': {
      const failed = event.results.filter((r) => r.status === 'failed');
      const skipped = event.results.filter((r) => r.status === 'skipped').map((r) => `${r.host} ${r.check}`);
      const checks = count(event.results.length, 'check');
      const took = formatDuration(event.durationMs);
      if (failed.length === 0) {
        return { text: `preflight: ${checks} on ${count(event.hosts, 'host')} passed (${took})${skipped.length ? `; skipped on request: ${skipped.join(', ')}` : ''}`, tone: skipped.length ? 'warn' : 'ok' };
      }
      const list = failed.map((r) => `${r.host} ${r.check}`).join(', ');
      return { text: `preflight: ${failed.length} of ${checks} failed (${took}): ${list}; nothing was changed`, tone: 'error' };
    }
    case 'phase.started': {
      const on = event.hosts.length <= LIST_HOSTS_UP_TO ? event.hosts.join(', ') : count(event.hosts.length, 'host');
      return { text: `${event.phase}: started on ${on}`, tone: 'info' };
    }
    case 'phase.succeeded':
      return { text: `${event.phase}: succeeded (${formatDuration(event.durationMs)})`, tone: 'ok' };
    case 'phase.failed':
      return { text: `${event.phase}: failed (${formatDuration(event.durationMs)})`, tone: 'error' };
    case 'phase.skipped':
      return { text: `${event.phase}: skipped: ${describeSkip(event.reason)}`, tone: 'dim' };
    case 'host.started':
      return { text: `${event.phase}/${event.host}: started`, tone: 'info' };
    case 'host.succeeded':
      return { text: `${event.phase}/${event.host}: succeeded (${formatDuration(event.durationMs)})`, tone: 'ok' };
    case 'host.failed':
      return { text: `${event.phase}/${event.host}: failed (${formatDuration(event.durationMs)}): ${describeError(event.error)}`, tone: 'error' };
    case 'host.skipped':
      return { text: `${event.phase}/${event.host}: skipped: ${describeSkip(event.reason)}`, tone: 'dim' };
    case 'step.started': {
      const attempt = describeAttempt(event.attempt, event.attempts);
      const title = event.title && event.title !== event.step ? ` ${cleanLine(event.title)}` : '';
      return { text: `${stepName(event)}: started${title}${attempt ? ` (${attempt})` : ''}`, tone: 'info' };
    }
    case 'step.succeeded': {
      const attempt = event.attempt > 1 ? ` on attempt ${event.attempt}` : '';
      return { text: `${stepName(event)}: succeeded${attempt} (${formatDuration(event.durationMs)})`, tone: 'ok' };
    }
    case 'step.skipped':
      // After a failure every later step is skipped as not reached: the host, phase and summary
      // lines say so once; a line per step would bury them (the log file and --json keep them).
      if (event.reason === 'not-reached') return undefined;
      return { text: `${stepName(event)}: skipped: ${describeSkip(event.reason, event.detail)}`, tone: 'dim' };
    case 'step.retrying': {
      const next = parseTime(event.nextAttemptAt);
      const when = next === undefined ? `in ${formatSeconds(event.delayMs)}` : `at ${formatClock(new Date(next))} (in ${formatSeconds(event.delayMs)})`;
      const text = `${stepName(event)}: attempt ${event.attempt}/${event.attempts} failed: ${describeError(event.error)}; retrying ${event.attempt + 1}/${event.attempts} ${when}`;
      return { text, tone: 'warn' };
    }
    case 'step.failed': {
      const attempt = event.attempt > 1 ? ` on attempt ${event.attempt}` : '';
      return { text: `${stepName(event)}: failed${attempt} (${formatDuration(event.durationMs)}): ${describeError(event.error)}`, tone: 'error' };
    }
    case 'step.output':
      return undefined;
    case 'note':
      return { text: `note: ${event.host ? `${event.host}: ` : ''}${cleanLine(event.message)}`, tone: 'info' };
    case 'log': {
      if (event.level === 'debug') return undefined;
      const where = event.host ? `${event.host}: ` : '';
      const tone: LineTone = event.level === 'error' ? 'error' : event.level === 'warn' ? 'warn' : 'info';
      return { text: `${event.level}: ${where}${cleanLine(event.message)}`, tone };
    }
  }
}

function stepName(event: { phase: string; host: string; step: string }): string {
  return `${event.phase}/${event.host} ${event.step}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

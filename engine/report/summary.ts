// The end-of-run summary every human-facing mode prints: per phase duration, per host outcome,
// total time; on failure the failing host, step, exit code and last output lines and where the
// full log is; on interruption where the state is and how to resume.
import { cleanLine } from './ansi.js';
import type { Paint } from './ansi.js';
import { describeAttempt, describeError, describeSkip, errorOutputLines } from './describe.js';
import { formatDuration } from '../util/duration.js';
import type { NodeStatus, RunModel, StepNode } from './run-model.js';

/** Lines of output shown under a failed step. */
export const FAILURE_TAIL = 10;
/** Above this many hosts, hosts that went fine are counted instead of listed. */
const LIST_HOSTS_UP_TO = 12;

export function summaryLines(model: RunModel, paint: Paint, logFile: string): string[] {
  const lines: string[] = [];
  const total = model.durationMs === undefined ? '' : ` in ${formatDuration(model.durationMs)}`;
  const name = model.playbook || 'playbook';
  if (model.outcome === 'succeeded') lines.push(paint.green(paint.bold(`✔ ${name} succeeded${total}`)));
  else if (model.outcome === 'failed') lines.push(paint.red(paint.bold(`✖ ${name} failed${total}`)));
  else if (model.outcome === 'interrupted') lines.push(paint.yellow(paint.bold(`■ ${name} interrupted${total}`)));
  else lines.push(paint.yellow(paint.bold(`${name} ended without a result${total}`)));

  lines.push('Phases:');
  const width = Math.max(0, ...model.phases.map((p) => p.name.length));
  for (const phase of model.phases) {
    const ok = phase.hosts.filter((h) => h.status === 'succeeded').length;
    const failed = phase.hosts.filter((h) => h.status === 'failed').length;
    const counts = [ok ? `${ok} ok` : '', failed ? `${failed} failed` : ''].filter(Boolean).join(', ');
    const what =
      phase.status === 'skipped'
        ? describeSkip(phase.skipReason ?? 'not-reached')
        : phase.status === 'waiting'
          ? 'not reached'
          : `${statusWord(phase.status)}${phase.durationMs === undefined ? '' : ` in ${formatDuration(phase.durationMs)}`}`;
    const shown = what === 'unfinished' && model.outcome === 'interrupted' ? 'interrupted' : what;
    lines.push(`  ${phase.name.padEnd(width)}  ${colour(paint, phase.status, shown)}${counts ? `  (${counts})` : ''}`);
  }

  const hosts = hostOutcomes(model);
  lines.push('Hosts:');
  const hostWidth = Math.max(0, ...hosts.map((h) => h.name.length));
  const quiet = hosts.length > LIST_HOSTS_UP_TO ? hosts.filter((h) => h.status === 'succeeded') : [];
  for (const h of hosts) {
    if (quiet.includes(h)) continue;
    lines.push(`  ${h.name.padEnd(hostWidth)}  ${colour(paint, h.status, h.text)}`);
  }
  if (quiet.length > 0) lines.push(`  ${paint.green(`${quiet.length} more hosts ok`)}`);

  const failed = model.allSteps().filter((s) => s.status === 'failed');
  if (failed.length > 0) {
    lines.push(paint.red('Failed:'));
    for (const step of failed) lines.push(...failureLines(step, paint));
  } else if (model.outcome === 'failed') {
    lines.push(paint.red('Failed:'));
    for (const f of model.failures) lines.push(`  ${f.host} ${f.step}: ${cleanLine(f.message)}`);
  }
  const inFlight = model.allSteps().filter((s) => s.status === 'running' || s.status === 'retrying');
  if (model.outcome !== 'running' && inFlight.length > 0) {
    lines.push(paint.yellow('Stopped while running (re-checked or re-run on resume):'));
    for (const s of inFlight) lines.push(`  ${s.phase}/${s.host} ${s.step}${s.attempts > 1 ? ` (attempt ${s.attempt}/${s.attempts})` : ''}`);
  }
  if (model.notes.length > 0) {
    lines.push(paint.bold('Next:'));
    for (const note of model.notes) lines.push(...note.split('\n').map((l) => `  ${cleanLine(l)}`));
  }
  if (model.outcome === 'interrupted') lines.push(paint.yellow(interruptedLine(model.stateFile)));
  else if (model.outcome === 'failed' && model.stateFile) {
    lines.push(`State saved to ${model.stateFile}: fix the cause and run the same command again to resume.`);
  }
  if (model.outcome !== 'succeeded' && logFile) lines.push(`Full log: ${logFile}`);
  return lines;
}

export function interruptedLine(stateFile: string): string {
  return `interrupted — state saved to ${stateFile || 'the state file'}; run the same command again to resume`;
}

/** A failed step: where, why, the attempt and the last lines of its output. */
export function failureLines(step: StepNode, paint: Paint, indent = '  '): string[] {
  const lines: string[] = [];
  const why = step.error ? describeError(step.error) : 'failed';
  const title = step.title && step.title !== step.step ? ` (${cleanLine(step.title)})` : '';
  lines.push(`${indent}${paint.bold(`${step.phase}/${step.host} ${step.step}`)}${title}: ${paint.red(why)}`);
  const facts = [describeAttempt(step.attempt, step.attempts), step.durationMs === undefined ? '' : formatDuration(step.durationMs)];
  const command = step.error?.command ? cleanLine(step.error.command) : '';
  if (command && !why.includes(command)) facts.push(`command: ${command}`);
  const factText = facts.filter(Boolean).join(', ');
  if (factText) lines.push(`${indent}  ${paint.dim(factText)}`);
  const output = step.error ? errorOutputLines(step.error, FAILURE_TAIL) : [];
  const tail = output.length > 0 ? output : step.outputTail.slice(-FAILURE_TAIL).map(cleanLine);
  for (const line of tail) lines.push(`${indent}  ${paint.dim('|')} ${line}`);
  return lines;
}

interface HostOutcome {
  name: string;
  status: NodeStatus;
  text: string;
}

/** Each host's outcome across every phase it is in. */
export function hostOutcomes(model: RunModel): HostOutcome[] {
  const names = [...new Set([...model.hosts, ...model.phases.flatMap((p) => p.hosts.map((h) => h.name))])];
  return names.map((name) => {
    const nodes = model.phases.flatMap((p) => p.hosts.filter((h) => h.name === name));
    const steps = nodes.flatMap((h) => h.steps);
    const failedStep = steps.find((s) => s.status === 'failed');
    const failedHost = nodes.find((h) => h.status === 'failed');
    if (failedStep || failedHost) {
      const where = failedStep ? `${failedStep.phase}/${failedStep.step}` : (failedHost?.phase ?? '');
      const error = failedStep?.error ?? failedHost?.error;
      const interrupted = error?.code === 'E_ABORTED';
      return { name, status: 'failed', text: `${interrupted ? 'interrupted' : 'failed'} at ${where}` };
    }
    const open = steps.find((s) => s.status === 'running' || s.status === 'retrying');
    if (open && model.outcome !== 'running') {
      return { name, status: 'failed', text: `interrupted at ${open.phase}/${open.step}` };
    }
    const done = steps.filter((s) => s.status === 'succeeded').length;
    const skipped = steps.filter((s) => s.status === 'skipped' && s.skipReason !== 'not-reached').length;
    const counts = `${done} step${done === 1 ? '' : 's'} run, ${skipped} skipped`;
    if (nodes.length > 0 && nodes.every((h) => h.status === 'succeeded' || (h.status === 'skipped' && h.skipReason !== 'not-reached'))) {
      return { name, status: 'succeeded', text: `ok (${counts})` };
    }
    const unreached = nodes.filter((h) => h.status === 'waiting' || (h.status === 'skipped' && h.skipReason === 'not-reached'));
    if (unreached.length === nodes.length && done + skipped === 0) return { name, status: 'waiting', text: 'not reached' };
    const finished = nodes.filter((h) => h.status === 'succeeded' || (h.status === 'skipped' && h.skipReason !== 'not-reached'));
    if (unreached.length > 0 && unreached.length + finished.length === nodes.length) {
      return { name, status: 'waiting', text: `not finished: ${unreached.map((h) => h.phase).join(', ')} not reached (${counts})` };
    }
    return { name, status: 'running', text: `${model.outcome === 'interrupted' ? 'interrupted' : 'unfinished'} (${counts})` };
  });
}

function statusWord(status: NodeStatus): string {
  return status === 'running' || status === 'retrying' ? 'unfinished' : status;
}

function colour(paint: Paint, status: NodeStatus, text: string): string {
  if (status === 'succeeded') return paint.green(text);
  if (status === 'failed') return paint.red(text);
  if (status === 'skipped' || status === 'waiting') return paint.dim(text);
  return paint.yellow(text);
}

/** One line per failure for stderr in plain/json/quiet modes (CI logs that split the streams). */
export function compactFailureLines(model: RunModel, logFile: string): string[] {
  if (model.outcome === 'interrupted') return [`podsec-play: ${interruptedLine(model.stateFile)}`];
  if (model.outcome !== 'failed') return [];
  const failed = model.allSteps().filter((s) => s.status === 'failed');
  const lines = failed.length
    ? failed.map((s) => `podsec-play: failed: ${s.phase}/${s.host} ${s.step}: ${s.error ? describeError(s.error) : 'failed'}`)
    : model.failures.map((f) => `podsec-play: failed: ${f.host} ${f.step}: ${cleanLine(f.message)}`);
  if (lines.length === 0) lines.push('podsec-play: run failed');
  if (logFile) lines.push(`podsec-play: full log: ${logFile}`);
  return lines;
}

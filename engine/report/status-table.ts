// `podsec-play status`: the saved state for people (a table per host: its facts in one line,
// done / failed / pending steps, when, attempts, last error; sealed hosts) or as JSON (the facts
// whole). Outputs are never shown in the table, and secret outputs (and any copy of their values
// elsewhere) are masked in both forms.
import type { JournalState, SealRecord, StepRecord, StepStatus } from '../journal/types.js';
import { summarizeFacts } from '../facts/summary.js';
import { Masker, REDACTED } from '../secrets/masker.js';
import { cleanLine } from './ansi.js';
import { describeError, describeSkip } from './describe.js';

export interface HostStatus {
  name: string;
  done: number;
  skipped: number;
  failed: number;
  pending: number;
  lastChange?: string;
  lastError?: string;
  sealed?: SealRecord;
}

/** The table for people. */
export function formatStatus(state: JournalState): string {
  return formatTable(masked(state));
}

/** `status --json`: one object described by schemas/status.schema.json. */
export function statusJson(state: JournalState, stateFile: string): string {
  const safe = masked(state);
  const last = safe.runs[safe.runs.length - 1];
  const doc = {
    stateFile,
    playbook: safe.playbook,
    playbookFile: safe.playbookFile,
    inventoryFile: safe.inventoryFile,
    planHash: safe.planHash,
    engineVersion: safe.engineVersion,
    outcome: last?.outcome ?? 'none',
    runs: safe.runs,
    hosts: hostStatuses(safe),
    steps: safe.steps,
    sealed: safe.sealed,
    facts: safe.facts ?? {},
  };
  return JSON.stringify(doc, null, 2);
}

function masked(state: JournalState): JournalState {
  const masker = new Masker();
  for (const rec of Object.values(state.steps)) {
    for (const name of rec.secretOutputs ?? []) masker.add(rec.outputs?.[name]);
  }
  return masker.maskDeep(maskOutputs(state));
}

/** A copy of the state whose secret outputs read [REDACTED]. */
function maskOutputs(state: JournalState): JournalState {
  const steps: Record<string, StepRecord> = {};
  for (const [key, rec] of Object.entries(state.steps)) {
    if (!rec.outputs) {
      steps[key] = rec;
      continue;
    }
    const secret = new Set(rec.secretOutputs ?? []);
    const outputs: Record<string, string> = {};
    for (const [name, value] of Object.entries(rec.outputs)) outputs[name] = secret.has(name) ? REDACTED : value;
    steps[key] = { ...rec, outputs };
  }
  return { ...state, steps };
}

export function hostStatuses(state: JournalState): HostStatus[] {
  const names = [...new Set([...Object.values(state.steps).map((s) => s.host), ...Object.keys(state.sealed)])];
  return names.map((name) => {
    const steps = Object.values(state.steps).filter((s) => s.host === name);
    const count = (...statuses: StepStatus[]) => steps.filter((s) => statuses.includes(s.status)).length;
    const times = steps.map((s) => s.endedAt ?? s.startedAt).filter((t): t is string => t !== undefined).sort();
    const failed = steps.filter((s) => s.status === 'failed' && s.error);
    const lastError = failed.length ? failed[failed.length - 1]!.error : undefined;
    const sealed = state.sealed[name];
    return {
      name,
      done: count('succeeded', 'skipped'),
      skipped: count('skipped'),
      failed: count('failed'),
      pending: count('pending', 'running', 'retrying'),
      ...(times.length ? { lastChange: times[times.length - 1] } : {}),
      ...(lastError ? { lastError: describeError(lastError) } : {}),
      ...(sealed ? { sealed } : {}),
    };
  });
}

const MARK: Record<StepStatus, string> = {
  succeeded: '✔',
  skipped: '↓',
  failed: '✖',
  running: '▶',
  retrying: '↻',
  pending: '·',
};

function formatTable(state: JournalState): string {
  const lines: string[] = [];
  lines.push(`Playbook ${state.playbook} (${state.playbookFile}), inventory ${state.inventoryFile}`);
  lines.push(`Plan ${state.planHash.slice(0, 12)}, engine ${state.engineVersion}`);
  const runs = state.runs;
  if (runs.length === 0) lines.push('Runs: none yet');
  else {
    lines.push(`Runs: ${runs.length}`);
    for (const run of runs.slice(-5)) {
      const ended = run.endedAt ? `, ended ${when(run.endedAt)}` : '';
      lines.push(`  ${run.runId}  ${run.outcome}  started ${when(run.startedAt)}${ended}`);
    }
    if (runs.length > 5) lines.push(`  (${runs.length - 5} earlier runs not shown)`);
  }
  for (const host of hostStatuses(state)) {
    lines.push('');
    const counts = `${host.done} done${host.skipped ? ` (${host.skipped} skipped)` : ''}, ${host.failed} failed, ${host.pending} pending`;
    lines.push(`${host.name}: ${counts}${host.lastChange ? `, last change ${when(host.lastChange)}` : ''}`);
    if (host.sealed) lines.push(`  [SSH sealed by run ${host.sealed.runId} at ${when(host.sealed.at)}]`);
    const facts = state.facts?.[host.name];
    if (facts) lines.push(`  facts (${when(facts.gatheredAt)}): ${cleanLine(summarizeFacts(facts))}`);
    const steps = Object.values(state.steps).filter((s) => s.host === host.name);
    const nameWidth = Math.max(0, ...steps.map((s) => `${s.phase}/${s.step}`.length));
    for (const s of steps) lines.push(`  ${stepRow(s, nameWidth)}`);
  }
  return lines.join('\n') + '\n';
}

function stepRow(s: StepRecord, nameWidth: number): string {
  const name = `${s.phase}/${s.step}`.padEnd(nameWidth);
  const status = s.status.padEnd(9);
  const attempts = s.attempts === 0 ? ''.padEnd(10) : `${s.attempts} attempt${s.attempts === 1 ? '' : 's'}`.padEnd(10);
  const at = s.endedAt ?? s.startedAt;
  const parts = [`${MARK[s.status]} ${name}  ${status} ${attempts} ${at ? when(at) : ''.padEnd(20)}`];
  if (s.status === 'skipped' && s.skipReason) parts.push(describeSkip(s.skipReason));
  if (s.status === 'retrying' && s.nextAttemptAt) parts.push(`next attempt ${when(s.nextAttemptAt)}`);
  if (s.error && s.status !== 'succeeded' && s.status !== 'skipped') parts.push(describeError(s.error));
  return cleanLine(parts.join('  ')).trimEnd();
}

/** ISO time without milliseconds, in UTC: unambiguous whatever the reader's time zone. */
function when(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

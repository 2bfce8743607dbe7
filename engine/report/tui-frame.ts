// The live tree as lines of text, computed from the run model alone (pure: no terminal, no
// clock): phases → hosts → steps, fitted to the window. When the whole tree does not fit, detail
// is given up in a fixed order — finished phases fold into one count line, phases still to come
// into another, finished and waiting hosts into a count, hosts show only their current step, the
// last output line goes, fewer running hosts are shown — so the current phase's header and what
// is running stay visible. The final tree (printed once when the run ends) is built here too.
import { cleanLine, type Paint } from './ansi.js';
import type { HostNode, NodeStatus, PhaseNode, RunModel, StepNode } from './run-model.js';
import { hostCountLine, hostTitle, phaseTitle, stepTitle } from './tui-titles.js';

export interface FrameOptions {
  now: number;
  /** Terminal columns: every line is cut to fit, so nothing wraps. */
  width: number;
  /** Terminal rows available to the tree. */
  height: number;
  /** A phase with more hosts than this always folds finished and waiting hosts into a count. */
  foldHostsAbove: number;
  paint: Paint;
}

/** How much of the tree to show; the live frame tries these from the most detailed down. */
interface Detail {
  donePhases: 'list' | 'fold';
  comingPhases: 'list' | 'fold';
  hosts: 'list' | 'fold';
  steps: 'all' | 'current';
  output: boolean;
  /** At most this many running hosts are shown in a folded phase. */
  runningHosts: number;
}

const ICON: Record<NodeStatus, string> = {
  waiting: '◼',
  running: '❯',
  retrying: '↻',
  succeeded: '✔',
  failed: '✖',
  skipped: '↓',
};

/** A line of the tree before it is cut to width and painted. */
interface Row {
  depth: number;
  icon: string;
  tone: 'ok' | 'error' | 'warn' | 'dim' | 'run';
  text: string;
}

export function liveFrame(model: RunModel, o: FrameOptions): string[] {
  const budget = Math.max(1, o.height);
  let rows: Row[] = [];
  for (const detail of details(o.foldHostsAbove)) {
    rows = liveRows(model, o, detail);
    if (rows.length <= budget) break;
  }
  // Still too tall (a tiny window): keep the top, which holds the current phase's header.
  return rows.slice(0, budget).map((r) => paintRow(r, o));
}

/** The tree as it stands when the run has ended: finished phases one line each, failed and
 * interrupted ones opened down to the failing steps. Not fitted to the height (it scrolls). */
export function finalFrame(model: RunModel, o: Omit<FrameOptions, 'height'>): string[] {
  const rows: Row[] = [];
  for (const phase of model.phases) {
    const open = phase.status === 'failed' || (phase.status === 'running' && model.outcome !== 'running');
    if (!open) {
      rows.push(phaseRow(phase, o.now, model));
      continue;
    }
    const interrupted = phase.status === 'running';
    rows.push(interrupted ? { depth: 0, icon: ICON.failed, tone: 'error', text: `${phase.name} — interrupted` } : phaseRow(phase, o.now, model));
    const quiet = phase.hosts.filter((h) => !troubled(h));
    const foldQuiet = phase.hosts.length > o.foldHostsAbove;
    for (const host of phase.hosts) {
      if (troubled(host)) {
        rows.push(endedHostRow(host, phase, o.now));
        for (const step of host.steps) if (step.status !== 'waiting') rows.push(endedStepRow(step, o.now));
      } else if (!foldQuiet) rows.push(hostRow(host, phase, o.now));
    }
    if (foldQuiet && quiet.length) rows.push({ depth: 1, icon: '…', tone: 'dim', text: quietCount(quiet) });
  }
  return rows.map((r) => paintRow(r, o));
}

function details(foldHostsAbove: number): Detail[] {
  const full: Detail = { donePhases: 'list', comingPhases: 'list', hosts: 'list', steps: 'all', output: true, runningHosts: foldHostsAbove };
  const ladder: Detail[] = [
    full,
    { ...full, donePhases: 'fold' },
    { ...full, donePhases: 'fold', comingPhases: 'fold' },
    { ...full, donePhases: 'fold', comingPhases: 'fold', hosts: 'fold' },
    { ...full, donePhases: 'fold', comingPhases: 'fold', hosts: 'fold', steps: 'current' },
    { ...full, donePhases: 'fold', comingPhases: 'fold', hosts: 'fold', steps: 'current', output: false },
  ];
  const last = ladder[ladder.length - 1]!;
  for (let n = Math.min(foldHostsAbove, 8) - 1; n >= 1; n--) ladder.push({ ...last, runningHosts: n });
  return ladder;
}

function liveRows(model: RunModel, o: FrameOptions, d: Detail): Row[] {
  const phases = model.phases;
  let current = phases.findIndex((p) => p.status === 'running');
  if (current < 0) current = phases.findIndex((p) => p.status === 'waiting');
  if (current < 0) current = phases.length;
  const done = phases.slice(0, current);
  const coming = phases.slice(current + 1);
  const rows: Row[] = [];

  if (d.donePhases === 'list' || done.length <= 1) for (const p of done) rows.push(...donePhaseRows(p, o, model));
  else rows.push(foldedPhases(done, 'done'));

  const phase = phases[current];
  if (phase) rows.push(...currentPhaseRows(phase, model, o, d));

  if (d.comingPhases === 'list' || coming.length <= 1) for (const p of coming) rows.push(phaseRow(p, o.now, model));
  else rows.push(foldedPhases(coming, 'coming'));
  return rows;
}

/** A finished phase: one line, or — when it failed — opened down to what failed. */
function donePhaseRows(phase: PhaseNode, o: FrameOptions, model: RunModel): Row[] {
  if (phase.status !== 'failed') return [phaseRow(phase, o.now, model)];
  const rows = [phaseRow(phase, o.now, model)];
  for (const host of phase.hosts.filter(troubled)) {
    rows.push(hostRow(host, phase, o.now));
    for (const step of host.steps) if (step.status === 'failed') rows.push(stepRow(step, o.now));
  }
  return rows;
}

function currentPhaseRows(phase: PhaseNode, model: RunModel, o: FrameOptions, d: Detail): Row[] {
  const rows: Row[] = [phaseRow(phase, o.now, model)];
  const notice = model.notices.filter((n) => n.phase === phase.name).at(-1);
  if (notice && phase.status === 'running') {
    rows.push({ depth: 1, icon: '›', tone: 'warn', text: `${notice.level}: ${notice.host ? `${notice.host}: ` : ''}${cleanLine(notice.message)}` });
  }
  const fold = d.hosts === 'fold' || phase.hosts.length > o.foldHostsAbove;
  if (!fold) {
    for (const host of phase.hosts) rows.push(...hostRows(host, phase, o, d));
    return rows;
  }
  if (phase.status === 'running') rows.push({ depth: 1, icon: '…', tone: 'dim', text: hostCountLine(phase, d.runningHosts) });
  const running = phase.hosts.filter((h) => h.status === 'running');
  for (const host of phase.hosts) {
    if (host.status === 'failed') rows.push(...hostRows(host, phase, o, { ...d, steps: 'current' }));
    else if (host.status === 'running' && running.indexOf(host) < d.runningHosts) rows.push(...hostRows(host, phase, o, { ...d, steps: 'current' }));
  }
  return rows;
}

function hostRows(host: HostNode, phase: PhaseNode, o: FrameOptions, d: Detail): Row[] {
  const rows: Row[] = [hostRow(host, phase, o.now)];
  if (host.status !== 'running' && host.status !== 'failed') return rows;
  const shown = host.steps.filter((s) => (d.steps === 'all' ? s.status !== 'waiting' : s.status === 'running' || s.status === 'retrying' || s.status === 'failed'));
  for (const step of shown) {
    rows.push(stepRow(step, o.now));
    if (d.output && step.status === 'running' && step.lastOutput !== undefined) {
      const line = cleanLine(step.lastOutput);
      if (line) rows.push({ depth: 3, icon: '›', tone: 'dim', text: line });
    }
  }
  return rows;
}

function phaseRow(phase: PhaseNode, now: number, model: RunModel): Row {
  const status = phase.status === 'running' && model.outcome !== 'running' ? 'failed' : phase.status;
  return { depth: 0, icon: ICON[status], tone: toneOf(status), text: phaseTitle(phase, now) };
}

function hostRow(host: HostNode, phase: PhaseNode, now: number): Row {
  return { depth: 1, icon: ICON[host.status], tone: toneOf(host.status), text: hostTitle(host, phase.stepCount, now) };
}

function stepRow(step: StepNode, now: number): Row {
  return { depth: 2, icon: ICON[step.status], tone: toneOf(step.status), text: stepTitle(step, now) };
}

/** A host in the final tree: one still running when the run ended was interrupted. */
function endedHostRow(host: HostNode, phase: PhaseNode, now: number): Row {
  if (host.status === 'running') {
    const at = host.steps.find((s) => s.status === 'running' || s.status === 'retrying');
    return { depth: 1, icon: ICON.failed, tone: 'error', text: `${host.name} — interrupted${at ? ` at ${at.step}` : ''}` };
  }
  return hostRow(host, phase, now);
}

function endedStepRow(step: StepNode, now: number): Row {
  if (step.status === 'running' || step.status === 'retrying') {
    return { depth: 2, icon: ICON.failed, tone: 'error', text: `${stepTitle({ ...step, status: 'waiting' }, now)} — interrupted` };
  }
  return stepRow(step, now);
}

/** Failed, or cut short by the end of the run. */
function troubled(host: HostNode): boolean {
  return host.status === 'failed' || host.status === 'running';
}

function quietCount(hosts: HostNode[]): string {
  const ok = hosts.filter((h) => h.status === 'succeeded').length;
  const other = hosts.length - ok;
  return [ok ? `${ok} more hosts ok` : '', other ? `${other} more not reached` : ''].filter(Boolean).join(', ');
}

function foldedPhases(phases: PhaseNode[], which: 'done' | 'coming'): Row {
  const names = phases.map((p) => p.name).join(', ');
  if (which === 'coming') return { depth: 0, icon: ICON.waiting, tone: 'dim', text: `${phases.length} more phases: ${names}` };
  const failed = phases.some((p) => p.status === 'failed');
  const ms = phases.reduce((sum, p) => sum + (p.durationMs ?? 0), 0);
  const seconds = `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  return { depth: 0, icon: failed ? ICON.failed : ICON.succeeded, tone: failed ? 'error' : 'ok', text: `${phases.length} phases done in ${seconds}: ${names}` };
}

function toneOf(status: NodeStatus): Row['tone'] {
  switch (status) {
    case 'succeeded':
      return 'ok';
    case 'failed':
      return 'error';
    case 'running':
      return 'run';
    case 'retrying':
      return 'warn';
    default:
      return 'dim';
  }
}

function paintRow(row: Row, o: Pick<FrameOptions, 'width' | 'paint'>): string {
  const indent = '  '.repeat(row.depth);
  const text = fitWidth(`${indent}${row.icon} ${row.text}`, o.width - 1);
  const cut = indent.length + row.icon.length + 1;
  const head = text.slice(0, cut);
  const body = text.slice(cut);
  const p = o.paint;
  const icon = { ok: p.green, error: p.red, warn: p.yellow, dim: p.dim, run: p.yellow }[row.tone](head);
  return icon + (row.tone === 'dim' ? p.dim(body) : body);
}

/** Columns a character takes: wide East Asian characters and emoji take two. */
function charWidth(cp: number): number {
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Cut to at most `columns` terminal columns, ending in … when cut. */
export function fitWidth(text: string, columns: number): string {
  const chars = [...text];
  const widths = chars.map((c) => charWidth(c.codePointAt(0)!));
  if (widths.reduce((a, b) => a + b, 0) <= columns) return text;
  let used = 0;
  let out = '';
  for (let i = 0; i < chars.length && used + widths[i]! <= columns - 1; i++) {
    out += chars[i];
    used += widths[i]!;
  }
  return `${out}…`;
}

// The run's state on disk: which steps are done, their outputs, attempts, backoff deadlines,
// sealed hosts; verified before a resume.
//
// Format (JSON lines): the first line is a snapshot of the whole state, written atomically when
// a run opens the journal; every step transition then appends one line with what changed, in a
// single write(2) on an O_APPEND descriptor, so a process killed at any instant (kill -9) leaves
// whole lines only. Appending keeps a transition O(1) however long the plan; the file is synced
// at phase boundaries and at the end of the run, and compacted into a new snapshot by the next
// run. A line that does not parse (a torn or damaged file) is an error, never a silent restart.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { PlayError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { ENGINE_VERSION } from '../version.js';
import { writeFileAtomic } from './atomic-write.js';
import { StateLock } from './lock.js';
import type { HostFacts } from '../facts/types.js';
import type { JournalState, RunRecord, SealRecord, StepRecord } from './types.js';

export interface OpenJournalOptions {
  file: string;
  plan: Plan;
  runId: string;
  fresh: boolean;
  now?: () => Date;
}

export class Journal {
  private constructor(
    readonly file: string,
    readonly state: JournalState,
    readonly resumed: boolean,
    private readonly lock: StateLock,
    private readonly runId: string,
    private readonly now: () => Date,
    private readonly fd: number,
  ) {}

  static open(options: OpenJournalOptions): Journal {
    const now = options.now ?? (() => new Date());
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    const lock = StateLock.acquire(options.file, options.runId);
    try {
      let previous: JournalState | undefined;
      if (existsSync(options.file)) {
        if (options.fresh) {
          previous = tryReadJournal(options.file);
        } else {
          previous = readJournal(options.file);
          verifyResumable(options.file, previous, options.plan);
        }
      }
      const resumed = !options.fresh && previous !== undefined;
      const state: JournalState = resumed
        ? previous!
        : {
            format: 1,
            engineVersion: ENGINE_VERSION,
            planHash: options.plan.hash,
            playbook: options.plan.playbook,
            playbookFile: options.plan.playbookFile,
            inventoryFile: options.plan.inventoryFile,
            runs: [],
            steps: {},
            // Seals outlive --fresh: the hosts really are closed.
            sealed: previous?.sealed ?? {},
            ...(previous?.facts ? { facts: previous.facts } : {}),
          };
      prepareSteps(state, options.plan);
      // We hold the lock: a run still marked running died without finishing (kill -9, power).
      for (const run of state.runs) if (run.outcome === 'running') run.outcome = 'interrupted';
      const run: RunRecord = { runId: options.runId, startedAt: now().toISOString(), outcome: 'running', pid: process.pid };
      state.runs.push(run);
      // Compact: the whole state as the new first line, atomically; then append from here on.
      writeFileAtomic(options.file, `${JSON.stringify({ format: 1, snapshot: state })}\n`, { mode: 0o600 });
      const fd = openSync(options.file, 'a', 0o600);
      return new Journal(options.file, state, resumed, lock, options.runId, now, fd);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  step(key: string): StepRecord {
    const rec = this.state.steps[key];
    if (!rec) throw new Error(`journal has no step ${key}`);
    return rec;
  }

  update(key: string, patch: Partial<StepRecord>): void {
    const set = { ...patch, runId: this.runId };
    applyStepPatch(this.step(key), set);
    // undefined means "remove": kept as null on disk.
    this.append({ step: key, set: Object.fromEntries(Object.entries(set).map(([k, v]) => [k, v ?? null])) });
  }

  seal(record: SealRecord): void {
    this.state.sealed[record.host] = record;
    this.append({ seal: record });
    this.sync();
  }

  /** A host's facts as this run gathered them (replacing what an earlier run recorded). */
  recordFacts(host: string, facts: HostFacts): void {
    (this.state.facts ??= {})[host] = facts;
    this.append({ facts: { host, facts } });
  }

  finish(outcome: RunRecord['outcome']): void {
    const run = this.state.runs.at(-1);
    if (run) {
      run.outcome = outcome;
      run.endedAt = this.now().toISOString();
      this.append({ run });
    }
    this.sync();
  }

  /** Make what was appended durable (phase boundaries, the end of a run). */
  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
    this.lock.release();
  }

  private append(record: JournalLine): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }
}

type JournalLine = { step: string; set: Record<string, unknown> } | { seal: SealRecord } | { run: RunRecord } | { facts: { host: string; facts: HostFacts } };

function applyStepPatch(rec: StepRecord, set: Record<string, unknown>): void {
  const target = rec as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined || v === null) delete target[k];
    else target[k] = v;
  }
}

/** Read and check a state file (for status, plan and resume). Torn or foreign files are errors. */
export function readJournal(file: string): JournalState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlayError(`${file}: cannot read the state: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { code: 'E_STATE' });
  }
  const damaged = (why: string) =>
    new PlayError(
      `${file}: the state file is damaged (${why}). It was left untouched: move it aside or pass --fresh to start over (steps already in place on the hosts are then found by their checks).`,
      { code: 'E_STATE' },
    );
  if (text.length > 0 && !text.endsWith('\n')) throw damaged('its last line is cut off');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw damaged(`line ${i + 1}: ${(err as Error).message}`);
    }
  });
  const head = parsed[0] as { format?: unknown; snapshot?: unknown } | undefined;
  if (!head || head.format !== 1 || head.snapshot === null || typeof head.snapshot !== 'object') {
    throw new PlayError(`${file}: not a podsec-play state file (unknown format). It was left untouched: move it aside or pass --fresh.`, { code: 'E_STATE' });
  }
  const s = head.snapshot as Partial<JournalState>;
  if (s === null || typeof s !== 'object' || s.format !== 1 || typeof s.steps !== 'object' || !Array.isArray(s.runs) || typeof s.planHash !== 'string') {
    throw new PlayError(`${file}: not a podsec-play state file (unknown format). It was left untouched: move it aside or pass --fresh.`, { code: 'E_STATE' });
  }
  s.sealed ??= {};
  const state = s as JournalState;
  parsed.slice(1).forEach((line, i) => {
    if (typeof line.step === 'string' && line.set && typeof line.set === 'object') {
      const rec = state.steps[line.step];
      if (!rec) throw damaged(`line ${i + 2} names an unknown step ${line.step}`);
      applyStepPatch(rec, line.set as Record<string, unknown>);
    } else if (line.seal && typeof line.seal === 'object') {
      const seal = line.seal as SealRecord;
      state.sealed[seal.host] = seal;
    } else if (line.facts && typeof line.facts === 'object' && typeof (line.facts as { host?: unknown }).host === 'string') {
      const f = line.facts as { host: string; facts: HostFacts };
      (state.facts ??= {})[f.host] = f.facts;
    } else if (line.run && typeof line.run === 'object') {
      const run = line.run as RunRecord;
      const i2 = state.runs.findIndex((r) => r.runId === run.runId);
      if (i2 >= 0) state.runs[i2] = run;
      else state.runs.push(run);
    } else {
      throw damaged(`line ${i + 2} is not a journal record`);
    }
  });
  return state;
}

function tryReadJournal(file: string): JournalState | undefined {
  try {
    return readJournal(file);
  } catch {
    return undefined;
  }
}

function verifyResumable(file: string, state: JournalState, plan: Plan): void {
  if (state.engineVersion !== ENGINE_VERSION) {
    throw new PlayError(
      `${file} was written by podsec-play ${state.engineVersion}; this is ${ENGINE_VERSION}. Finish the run with that version, or pass --fresh to start over.`,
      { code: 'E_STATE' },
    );
  }
  if (state.planHash !== plan.hash) {
    const last = state.runs.at(-1);
    throw new PlayError(
      [
        `the playbook or inventory changed since ${file} was written${last ? ` (run ${last.runId} at ${last.startedAt})` : ''}:`,
        `  plan hash then ${state.planHash.slice(0, 12)}, now ${plan.hash.slice(0, 12)}.`,
        `Refusing to resume a different plan. Restore the files, or pass --fresh to start over (finished steps are then re-checked on the hosts).`,
      ].join('\n'),
      { code: 'E_STATE' },
    );
  }
}

// Every planned step gets a record; what an earlier run left unfinished starts again here:
// failed steps get a new retry budget, an in-flight one is re-checked and re-run.
function prepareSteps(state: JournalState, plan: Plan): void {
  for (const phase of plan.phases) {
    for (const host of phase.hosts) {
      for (const step of host.steps) {
        const rec = state.steps[step.key];
        if (!rec) {
          state.steps[step.key] = {
            key: step.key,
            phase: step.phase,
            host: step.host,
            step: step.id,
            uses: step.uses,
            title: step.title,
            status: 'pending',
            attempts: 0,
          };
        } else if (rec.status === 'running' || rec.status === 'failed') {
          rec.status = 'pending';
          rec.attempts = 0;
        } else if (rec.status === 'retrying') {
          rec.attempts = 0;
        }
      }
    }
  }
}

export function isFinished(rec: StepRecord | undefined): boolean {
  return rec !== undefined && (rec.status === 'succeeded' || (rec.status === 'skipped' && rec.skipReason !== 'not-reached'));
}

// The run's state on disk: which steps are done, their outputs, attempts, backoff deadlines,
// sealed hosts; verified before a resume.
//
// Format (JSON lines): the first line is a snapshot of the whole state, written atomically when
// a run opens the journal; every step transition then appends one line with what changed, in a
// single write(2) on an O_APPEND descriptor. Appending keeps a transition O(1) however long the
// plan; the file is synced at phase boundaries and at the end of the run, and compacted into a
// new snapshot by the next run. A symlinked state file is followed (the target is written).
//
// Like a write-ahead log: a last line without its newline is a write that never completed (the
// process or the machine died inside it) and is ignored — the resume re-checks that one step.
// A write that fails (disk full, a short write, an I/O error) is cut back to the last whole line
// and stops the run with E_IO, leaving the state resumable. Damage anywhere else, or a file of
// the wrong shape, is an error naming the line and never a silent restart.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { PlayError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { processStart } from '../util/process.js';
import { ENGINE_VERSION } from '../version.js';
import { followSymlinks, writeFileAtomic } from './atomic-write.js';
import { StateLock } from './lock.js';
import { appliedStateProblem, lineShapeProblem, stateShapeProblem } from './state-shape.js';
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
  /** Set when a write failed: nothing more is written, and the run is told to stop. */
  private failure: PlayError | undefined;
  private readonly failureListeners: ((error: PlayError, stepKey: string | undefined) => void)[] = [];
  /** Bytes of whole lines in the file: where a failed write is cut back to. */
  private size: number;

  private constructor(
    readonly file: string,
    readonly state: JournalState,
    readonly resumed: boolean,
    private readonly lock: StateLock,
    private readonly runId: string,
    private readonly now: () => Date,
    private readonly fd: number,
  ) {
    this.size = fstatSync(fd).size;
  }

  static open(options: OpenJournalOptions): Journal {
    const now = options.now ?? (() => new Date());
    // A symlinked state is followed: the lock and every write go to its target.
    const target = followSymlinks(options.file);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    let lock: StateLock;
    try {
      lock = StateLock.acquire(target, options.runId);
    } catch (err) {
      throw ioError(err, options.file) ?? err;
    }
    try {
      let previous: JournalState | undefined;
      if (existsSync(target)) {
        if (options.fresh) {
          previous = tryReadJournal(target);
        } else {
          previous = readJournal(target, options.file);
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
            // Seals outlive --fresh: the hosts really are closed (and a seal command sent is
            // still the evidence a later port check needs).
            sealed: previous?.sealed ?? {},
            sealSent: previous?.sealSent ?? {},
            ...(previous?.facts ? { facts: previous.facts } : {}),
          };
      prepareSteps(state, options.plan);
      // We hold the lock: a run still marked running died without finishing (kill -9, power).
      for (const run of state.runs) if (run.outcome === 'running') run.outcome = 'interrupted';
      const pidStart = processStart(process.pid);
      const run: RunRecord = { runId: options.runId, startedAt: now().toISOString(), outcome: 'running', pid: process.pid, ...(pidStart ? { pidStart } : {}) };
      state.runs.push(run);
      // Compact: the whole state as the new first line, atomically; then append from here on.
      // (Failing here, say on a full disk, leaves the old file as it was: still resumable.)
      try {
        writeFileAtomic(target, `${JSON.stringify({ format: 1, snapshot: state })}\n`, { mode: 0o600 });
      } catch (err) {
        throw ioError(err, options.file) ?? err;
      }
      const fd = openSync(target, 'a', 0o600);
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

  /** Record a step transition. A failed write does not throw: it stops the run (onFailure). */
  update(key: string, patch: Partial<StepRecord>): void {
    const rec = this.step(key) as unknown as Record<string, unknown>;
    // undefined means "remove": kept as null on disk. (One pass: this runs twice per step.)
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries({ ...patch, runId: this.runId })) {
      if (v === undefined || v === null) {
        delete rec[k];
        set[k] = null;
      } else {
        rec[k] = v;
        set[k] = v;
      }
    }
    this.tryAppend({ step: key, set }, key);
  }

  seal(record: SealRecord): void {
    this.state.sealed[record.host] = record;
    if (this.tryAppend({ seal: record }, undefined)) this.trySync();
  }

  /**
   * Write ahead, durably, that the seal command is about to be sent to a host: only then may a
   * port found refusing later count as that host's seal. Throws when it cannot be written, so
   * the command is never sent unrecorded.
   */
  recordSealSent(record: SealRecord): void {
    if (this.failure) throw this.failure;
    this.append({ sealSent: record });
    this.syncOrThrow();
    this.state.sealSent[record.host] = record;
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
      this.tryAppend({ run }, undefined);
    }
    this.trySync();
  }

  /** Make what was appended durable (phase boundaries, the end of a run). */
  sync(): void {
    this.trySync();
  }

  /** The write failure that stopped this journal, if any. */
  get writeFailure(): PlayError | undefined {
    return this.failure;
  }

  /** Called once when a write fails (with the step whose record could not be written). */
  onFailure(listener: (error: PlayError, stepKey: string | undefined) => void): void {
    this.failureListeners.push(listener);
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
    this.lock.release();
  }

  /** Append one line, whole or not at all: a short write is continued, and a write that fails
   * is cut back to the last whole line before the error is thrown. */
  private append(record: JournalLine): void {
    if (this.failure) throw this.failure;
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
    let written = 0;
    try {
      while (written < bytes.length) {
        const n = writeSync(this.fd, bytes, written, bytes.length - written);
        if (n <= 0) throw Object.assign(new Error('write returned 0'), { code: 'EIO' });
        written += n;
      }
    } catch (err) {
      try {
        if (written > 0) ftruncateSync(this.fd, this.size);
      } catch {
        // Cannot cut it back: the torn last line is ignored by the next read anyway.
      }
      throw this.fail(err);
    }
    this.size += bytes.length;
  }

  private tryAppend(record: JournalLine, stepKey: string | undefined): boolean {
    if (this.failure) return false;
    try {
      this.append(record);
      return true;
    } catch (err) {
      this.notify(err as PlayError, stepKey);
      return false;
    }
  }

  private syncOrThrow(): void {
    try {
      fsyncSync(this.fd);
    } catch (err) {
      throw this.fail(err);
    }
  }

  private trySync(): void {
    if (this.failure) return;
    try {
      this.syncOrThrow();
    } catch (err) {
      this.notify(err as PlayError, undefined);
    }
  }

  private fail(err: unknown): PlayError {
    if (this.failure) return this.failure;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code ? `${ERRNO_WORDS[code] ?? (err as Error).message} (${code})` : (err as Error).message;
    this.failure = new PlayError(
      `cannot write the state ${this.file}: ${why}. The run stopped here; the state up to the last whole record is kept: ` +
        'make room (or fix the disk) and run the same command again to resume (a step in flight is checked again).',
      { code: 'E_IO', cause: err },
    );
    return this.failure;
  }

  private notify(error: PlayError, stepKey: string | undefined): void {
    const listeners = this.failureListeners.splice(0);
    for (const l of listeners) l(error, stepKey);
  }
}

/** A disk that cannot take the write when a run starts: E_IO (exit 1), the state untouched. */
function ioError(err: unknown, file: string): PlayError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (!code || !ERRNO_WORDS[code]) return undefined;
  return new PlayError(
    `cannot write the state ${file}: ${ERRNO_WORDS[code]} (${code}). Nothing ran; the state file is as it was: make room (or fix the disk) and run the same command again.`,
    { code: 'E_IO', cause: err },
  );
}

const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for this process or file system',
  EIO: 'input/output error',
  EROFS: 'the file system is read-only',
};

type JournalLine =
  | { step: string; set: Record<string, unknown> }
  | { seal: SealRecord }
  | { sealSent: SealRecord }
  | { run: RunRecord }
  | { facts: { host: string; facts: HostFacts } };

function applyStepPatch(rec: StepRecord, set: Record<string, unknown>): void {
  const target = rec as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined || v === null) delete target[k];
    else target[k] = v;
  }
}

/**
 * Read and check a state file (for status, plan and resume). `shownAs` is the name messages use
 * (the path the user gave, when `file` is its symlink target).
 */
export function readJournal(file: string, shownAs = file): JournalState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlayError(`${shownAs}: cannot read the state: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { code: 'E_STATE' });
  }
  const damaged = (why: string) =>
    new PlayError(
      `${shownAs}: the state file is damaged (${why}). It was left untouched: move it aside or pass --fresh to start over (steps already in place on the hosts are then found by their checks).`,
      { code: 'E_STATE' },
    );
  const foreign = (why: string) =>
    new PlayError(`${shownAs}: not a podsec-play state file (${why}). It was left untouched: move it aside or pass --fresh.`, { code: 'E_STATE' });
  // A last line without its newline is a write that never finished: it did not happen.
  const whole = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const lines = whole.split('\n');
  lines.pop(); // after the last newline
  if (lines.length === 0) throw text.length === 0 ? foreign('it is empty') : damaged('its only line is cut off');
  const parsed = lines.map((line, i) => {
    if (line.length === 0) throw damaged(`line ${i + 1} is empty`);
    try {
      return JSON.parse(line) as unknown;
    } catch (err) {
      throw damaged(`line ${i + 1}: ${(err as Error).message}`);
    }
  });
  const head = parsed[0] as { format?: unknown; snapshot?: unknown } | null;
  if (!head || typeof head !== 'object' || Array.isArray(head) || head.format !== 1 || !('snapshot' in head)) throw foreign('unknown format');
  const problem = stateShapeProblem(head.snapshot);
  if (problem) throw damaged(`line 1: ${problem}`);
  const state = head.snapshot as JournalState;
  state.sealed ??= {};
  state.sealSent ??= {};
  parsed.slice(1).forEach((value, i) => {
    const n = i + 2;
    const bad = lineShapeProblem(value);
    if (bad) throw damaged(`line ${n}: ${bad}`);
    const line = value as JournalLine;
    if ('step' in line) {
      const rec = state.steps[line.step];
      if (!Object.hasOwn(state.steps, line.step) || !rec) throw damaged(`line ${n} names an unknown step ${line.step}`);
      applyStepPatch(rec, line.set);
    } else if ('seal' in line) {
      state.sealed[line.seal.host] = line.seal;
    } else if ('sealSent' in line) {
      state.sealSent[line.sealSent.host] = line.sealSent;
    } else if ('facts' in line) {
      (state.facts ??= {})[line.facts.host] = line.facts.facts;
    } else {
      const run = line.run;
      const at = state.runs.findIndex((r) => r.runId === run.runId);
      if (at >= 0) state.runs[at] = run;
      else state.runs.push(run);
    }
  });
  const after = appliedStateProblem(state);
  if (after) throw damaged(`after applying its ${parsed.length - 1} change lines: ${after}`);
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

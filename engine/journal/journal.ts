// The run's state on disk: which steps are done, their outputs, attempts, backoff deadlines,
// sealed hosts. Saved after every step transition; verified before a resume.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PlayError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { ENGINE_VERSION } from '../version.js';
import { writeFileAtomic } from './atomic-write.js';
import { StateLock } from './lock.js';
import type { JournalState, RunRecord, SealRecord, StepRecord } from './types.js';

export interface OpenJournalOptions {
  file: string;
  plan: Plan;
  runId: string;
  fresh: boolean;
  now?: () => Date;
  /** fsync each write (default true). Benchmarks may turn it off to measure the rest. */
  fsync?: boolean;
}

export class Journal {
  private constructor(
    readonly file: string,
    readonly state: JournalState,
    readonly resumed: boolean,
    private readonly lock: StateLock,
    private readonly runId: string,
    private readonly now: () => Date,
    private readonly fsync: boolean,
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
          };
      prepareSteps(state, options.plan);
      const run: RunRecord = { runId: options.runId, startedAt: now().toISOString(), outcome: 'running', pid: process.pid };
      state.runs.push(run);
      const journal = new Journal(options.file, state, resumed, lock, options.runId, now, options.fsync ?? true);
      journal.save();
      return journal;
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
    const rec = this.step(key);
    Object.assign(rec, patch, { runId: this.runId });
    for (const k of Object.keys(patch) as (keyof StepRecord)[]) if (patch[k] === undefined) delete rec[k];
    this.save();
  }

  seal(record: SealRecord): void {
    this.state.sealed[record.host] = record;
    this.save();
  }

  finish(outcome: RunRecord['outcome']): void {
    const run = this.state.runs.at(-1);
    if (run) {
      run.outcome = outcome;
      run.endedAt = this.now().toISOString();
    }
    this.save();
  }

  close(): void {
    this.lock.release();
  }

  save(): void {
    writeFileAtomic(this.file, JSON.stringify(this.state, null, 1) + '\n', { mode: 0o600, fsync: this.fsync });
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
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PlayError(
      `${file}: the state file is damaged (${(err as Error).message}). It was left untouched: move it aside or pass --fresh to start over (steps already in place on the hosts are then found by their checks).`,
      { code: 'E_STATE' },
    );
  }
  const s = data as Partial<JournalState>;
  if (s === null || typeof s !== 'object' || s.format !== 1 || typeof s.steps !== 'object' || !Array.isArray(s.runs) || typeof s.planHash !== 'string') {
    throw new PlayError(`${file}: not a podsec-play state file (unknown format). It was left untouched: move it aside or pass --fresh.`, { code: 'E_STATE' });
  }
  s.sealed ??= {};
  return s as JournalState;
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

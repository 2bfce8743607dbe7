// The journal: the source of truth for resume. One file per state (mode 0600): a snapshot line,
// then one appended line per step transition (see journal.ts). state-shape.ts checks its shape.
import type { ErrorInfo, SkipReason } from '../events/types.js';
import type { HostFacts } from '../facts/types.js';

export type StepStatus = 'pending' | 'running' | 'retrying' | 'succeeded' | 'skipped' | 'failed';

export interface StepRecord {
  key: string;
  phase: string;
  host: string;
  step: string;
  uses: string;
  title: string;
  status: StepStatus;
  /** Attempts started so far (across runs). */
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  /** When a retrying step may try again (durable backoff: survives a restart). */
  nextAttemptAt?: string;
  /** Outputs, secret ones included (the file is 0600); printouts mask them. */
  outputs?: Record<string, string>;
  /** Names of outputs that are secret. */
  secretOutputs?: string[];
  skipReason?: SkipReason;
  error?: ErrorInfo;
  /** The run that last changed this record. */
  runId?: string;
}

export interface RunRecord {
  runId: string;
  startedAt: string;
  endedAt?: string;
  outcome: 'running' | 'succeeded' | 'failed' | 'interrupted';
  pid: number;
  /** The process's start identity (engine/util/process.ts): a later process with the same pid
   * is not this run. Absent in states written by older versions. */
  pidStart?: string;
}

export interface SealRecord {
  host: string;
  address: string;
  port: number;
  runId: string;
  at: string;
}

export interface JournalState {
  format: 1;
  engineVersion: string;
  planHash: string;
  playbook: string;
  playbookFile: string;
  inventoryFile: string;
  runs: RunRecord[];
  steps: Record<string, StepRecord>;
  /** Hosts whose SSH this state turned off (disable-ssh). */
  sealed: Record<string, SealRecord>;
  /** Hosts the seal command was sent to, written (and synced) before it is sent: a port found
   * refusing later proves a seal only for these. Kept across --fresh, like `sealed`. */
  sealSent: Record<string, SealRecord>;
  /** Each host's facts as the latest run that reached it gathered them. */
  facts?: Record<string, HostFacts>;
}

// The journal: the source of truth for resume. One JSON file per state, written atomically
// (tmp, fsync, rename) with mode 0600 after every step transition.
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
  /** Each host's facts as the latest run that reached it gathered them. */
  facts?: Record<string, HostFacts>;
}

// The plan: the pure planner's output. Plain data, hashed, printed, journaled.
import type { RetrySpec } from '../model.js';

export interface PlannedStep {
  /** Unique in the plan: `phase/host/stepId`. */
  key: string;
  phase: string;
  host: string;
  id: string;
  uses: string;
  /** Human title: the step's `name:` or a kind-specific default. */
  title: string;
  /** The step's `with:`, expressions still unresolved (they may need earlier outputs). */
  with: Record<string, unknown>;
  retry: RetrySpec;
  timeoutMs: number | undefined;
  when: string | undefined;
  /** `file:line:col` of the step in the playbook. */
  at: string;
}

export interface PlannedHost {
  name: string;
  steps: PlannedStep[];
}

export interface PlannedPhase {
  name: string;
  /** Hosts at once: 1 when serial, else concurrency or the host count. */
  concurrency: number;
  serial: boolean;
  /** Hosts sealed by an earlier run are left out (their steps skipped, reason `sealed`). */
  skipSealed: boolean;
  hosts: PlannedHost[];
}

export interface PlanHostInfo {
  name: string;
  address: string;
  port: number;
  user: string;
  roles: string[];
  transport: 'ssh' | 'local';
}

export interface Plan {
  playbook: string;
  playbookFile: string;
  inventoryFile: string;
  /** sha256 of everything that affects the plan (playbook, inventory without secret values, engine version). */
  hash: string;
  engineVersion: string;
  hosts: PlanHostInfo[];
  phases: PlannedPhase[];
}

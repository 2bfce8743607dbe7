// Step outputs during a run: those restored from the journal (finished steps of earlier runs),
// and those a step produced in this attempt, held until the step's success is journaled. Secret
// outputs — declared by the kind, or found to show a secret value — are masked from the start.
import { isFinished, type Journal } from '../journal/journal.js';
import type { PlannedStep } from '../plan/types.js';
import type { Masker } from '../secrets/masker.js';
import type { StepKind } from '../step-kind.js';

export interface HeldOutputs {
  outputs: Record<string, string>;
  secret: string[];
}

export class StepOutputs {
  private readonly keyById = new Map<string, string>();
  private readonly held = new Map<string, HeldOutputs>();

  constructor(
    private readonly journal: Journal,
    private readonly masker: Masker,
  ) {
    for (const rec of Object.values(journal.state.steps)) {
      this.keyById.set(`${rec.host}\u0000${rec.step}`, rec.key);
      // Secret outputs restored from the journal are masked before anything can print them.
      for (const name of rec.secretOutputs ?? []) masker.add(rec.outputs?.[name]);
    }
  }

  /** Outputs of a finished step on a host (what `${{ steps.ID.outputs.X }}` reads). */
  readonly outputsOf = (hostName: string, stepId: string): Record<string, string> | undefined => {
    const key = this.keyById.get(`${hostName}\u0000${stepId}`);
    const rec = key ? this.journal.state.steps[key] : undefined;
    return rec && isFinished(rec) ? (rec.outputs ?? {}) : undefined;
  };

  /** Keep what an attempt produced until the step's outcome is journaled. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  hold(kind: StepKind<any>, step: PlannedStep, w: Record<string, unknown>, outputs: Record<string, string>): void {
    const secret = (kind.outputs?.(w) ?? []).filter((d) => d.secret).map((d) => d.name);
    for (const name of secret) this.masker.add(outputs[name]);
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(outputs)) {
      clean[k] = String(v);
      // An output that shows a secret (a password echoed back, say) is kept as a secret output.
      if (!secret.includes(k) && this.masker.mask(clean[k]) !== clean[k]) secret.push(k);
    }
    this.held.set(step.key, { outputs: clean, secret });
  }

  /** The held outputs of a step, for its journal record (and forget them). */
  take(step: PlannedStep): HeldOutputs | undefined {
    const out = this.held.get(step.key);
    this.held.delete(step.key);
    return out;
  }
}

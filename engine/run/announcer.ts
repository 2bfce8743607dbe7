// The started events of phases and hosts, each once, parents before children: xstate starts a
// child (and runs its entry actions) before its parent's actions run, so the runner announces
// here instead of from the machines. Also remembers which steps this run reported on, so after an
// interruption the others can be reported as not reached.
import type { EventBus } from '../events/bus.js';
import type { StepRef } from '../events/types.js';
import type { Plan, PlannedStep } from '../plan/types.js';

export function stepRef(s: PlannedStep): StepRef {
  return { phase: s.phase, host: s.host, step: s.id, uses: s.uses, title: s.title };
}

export class Announcer {
  private readonly announced = new Set<string>();
  private readonly touched = new Set<string>();

  constructor(
    private readonly plan: Plan,
    private readonly bus: EventBus,
  ) {}

  phase(phase: string): void {
    if (this.announced.has(phase)) return;
    this.announced.add(phase);
    const planned = this.plan.phases.find((p) => p.name === phase)!;
    this.bus.emit({ type: 'phase.started', phase, hosts: planned.hosts.map((h) => h.name) });
  }

  host(phase: string, host: string): void {
    this.phase(phase);
    const id = `${phase}\u0000${host}`;
    if (this.announced.has(id)) return;
    this.announced.add(id);
    this.bus.emit({ type: 'host.started', phase, host });
  }

  /** This run reported on the step (started or skipped it). */
  touch(step: PlannedStep): void {
    this.touched.add(step.key);
  }

  /** After an interruption: every step this run never reached, as skipped "not-reached". */
  reportNotReached(): void {
    for (const phase of this.plan.phases) {
      for (const host of phase.hosts) {
        for (const step of host.steps) if (!this.touched.has(step.key)) this.bus.emit({ type: 'step.skipped', ...stepRef(step), reason: 'not-reached' });
      }
    }
  }
}

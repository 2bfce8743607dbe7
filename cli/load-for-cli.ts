// What run, plan and validate share: load and validate the inputs, plan them.
import { InputError } from '../engine/errors.js';
import { loadInputs, type LoadedInputs } from '../engine/load/index.js';
import type { Inventory } from '../engine/model.js';
import { planRun } from '../engine/plan/planner.js';
import type { Plan } from '../engine/plan/types.js';
import type { Masker } from '../engine/secrets/masker.js';
import type { SecretStore } from '../engine/secrets/store.js';
import { findStepKind, stepKinds } from '../steps/index.js';

export interface Planned extends LoadedInputs {
  inventory: Inventory;
  secrets: SecretStore;
  plan: Plan;
}

export function loadAndPlan(playbookFile: string, inventoryFile: string, masker: Masker, options: { checkSecrets: boolean } = { checkSecrets: true }): Planned {
  const loaded = loadInputs({ playbookFile, inventoryFile, env: process.env, masker, kinds: stepKinds, checkSecrets: options.checkSecrets });
  if (!loaded.inventory || !loaded.secrets) throw new InputError([]);
  const plan = planRun(loaded.playbook, loaded.inventory, {
    titleOf: (uses, w) => {
      try {
        return findStepKind(uses)?.title?.(w);
      } catch {
        return undefined;
      }
    },
    sealOrder: (uses, host) => {
      const kind = findStepKind(uses);
      return kind?.sealsHost ? (kind.sealOrder?.(host) ?? 0) : undefined;
    },
  });
  return { ...loaded, inventory: loaded.inventory, secrets: loaded.secrets, plan };
}

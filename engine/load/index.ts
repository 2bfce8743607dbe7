// Loading and validation in layers, all before the first command runs: YAML syntax, the
// schemas, then cross-references. Every problem found is thrown at once as an InputError.
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InputError, PlayError, type Diagnostic } from '../errors.js';
import type { Inventory, Playbook } from '../model.js';
import type { Masker } from '../secrets/masker.js';
import type { StepKind } from '../step-kind.js';
import { SecretStore } from '../secrets/store.js';
import { referencedSecrets } from '../expr/references.js';
import { crossCheck } from './cross-check.js';
import { loadInventory } from './load-inventory.js';
import { loadPlaybook } from './load-playbook.js';
import { MAX_ALIAS_COUNT, MAX_INPUT_BYTES } from './yaml-limits.js';

export interface LoadedInputs {
  playbook: Playbook;
  inventory: Inventory | undefined;
  secrets: SecretStore | undefined;
}

export interface LoadOptions {
  playbookFile: string;
  inventoryFile?: string;
  env: NodeJS.ProcessEnv;
  masker: Masker;
  /** The step kinds playbooks may use (the composition root passes steps/index.ts's list). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  kinds: readonly StepKind<any>[];
  /** Require every referenced secret to be set (run: yes; plan and validate: no, they need no values). */
  checkSecrets?: boolean;
}

export function loadInputs(options: LoadOptions): LoadedInputs {
  const diagnostics: Diagnostic[] = [];
  const pb = loadPlaybook(options.playbookFile);
  diagnostics.push(...pb.diagnostics);
  const inv = options.inventoryFile ? loadInventory(options.inventoryFile) : undefined;
  if (inv) diagnostics.push(...inv.diagnostics);
  const secrets = inv?.inventory ? secretStoreFor(inv.inventory, options.env, options.masker) : undefined;
  // Cross-references are checked even when an earlier layer failed, on what could be read:
  // against the inventory when it is valid, by the playbook alone otherwise.
  const playbook = pb.playbook ?? pb.partial;
  if (playbook) {
    diagnostics.push(
      ...crossCheck({
        playbook,
        source: pb.source,
        findKind: (kind) => options.kinds.find((k) => k.kind === kind),
        knownKinds: options.kinds.map((k) => k.kind),
        ...(inv?.inventory ? { inventory: inv.inventory, inventorySource: inv.source } : {}),
        ...(secrets && options.checkSecrets !== false ? { secrets } : {}),
      }),
    );
  }
  if (diagnostics.length) throw new InputError(diagnostics);
  // Mask every referenced secret from the start (SecretStore.get registers the value).
  if (secrets) for (const name of referencedSecrets(pb.playbook!)) secrets.get(name);
  return { playbook: pb.playbook!, inventory: inv?.inventory, secrets };
}

export function secretStoreFor(inventory: Inventory, env: NodeJS.ProcessEnv, masker: Masker): SecretStore {
  let fileSecrets: Record<string, string> = {};
  if (inventory.secretsFile) {
    try {
      if (statSync(inventory.secretsFile).size > MAX_INPUT_BYTES) throw Object.assign(new Error('too large'), { code: `larger than ${MAX_INPUT_BYTES} bytes` });
      // uniqueKeys off: yaml's check is quadratic in the number of keys (the last one wins).
      const data = parseYaml(readFileSync(inventory.secretsFile, 'utf8'), { uniqueKeys: false, maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
      if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error('expected a map of NAME: value');
      fileSecrets = Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    } catch (err) {
      // Never echo the file's content: it holds secrets.
      throw new PlayError(`${inventory.secretsFile}: cannot read secrets file: ${(err as NodeJS.ErrnoException).code ?? 'invalid YAML or shape'}`, {
        code: 'E_INPUT',
      });
    }
  }
  // Values written in files are masked from the start, referenced or not.
  for (const v of [...Object.values(fileSecrets), ...Object.values(inventory.secrets ?? {})]) masker.add(v);
  return new SecretStore(masker, env, fileSecrets, inventory.secrets ?? {});
}

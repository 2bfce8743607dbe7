// Inventory YAML → validated `Inventory` with defaults applied, or diagnostics.
import { dirname, resolve } from 'node:path';
import inventorySchema from '../../schemas/inventory.schema.json' with { type: 'json' };
import type { Diagnostic } from '../errors.js';
import type { Host, Inventory } from '../model.js';
import { looksLike } from './document-kind.js';
import { schemaDiagnostics } from './schema-check.js';
import { YamlSource } from './yaml-source.js';

export interface LoadedInventory {
  inventory: Inventory | undefined;
  source: YamlSource;
  diagnostics: Diagnostic[];
}

export function loadInventory(file: string): LoadedInventory {
  const source = YamlSource.read(file);
  const syntax = source.syntaxDiagnostics();
  if (syntax.length) return { inventory: undefined, source, diagnostics: syntax };
  const data = source.toJS();
  if (looksLike(data) === 'playbook') {
    const message = 'this is a playbook (it has phases: and no hosts:), not an inventory: give the playbook first and the inventory with -i';
    return { inventory: undefined, source, diagnostics: [source.diag([], message)] };
  }
  const diagnostics = schemaDiagnostics(source, data, inventorySchema);
  if (diagnostics.length) return { inventory: undefined, source, diagnostics };
  const raw = data as RawInventory;
  const hosts = raw.hosts.map(normalizeHost);
  diagnostics.push(...duplicateHosts(source, hosts));
  const inventory: Inventory = {
    file: resolve(file),
    cluster: raw.cluster,
    hosts,
    ...(raw.ssh ? { ssh: raw.ssh } : {}),
    ...(raw.secretsFile ? { secretsFile: resolve(dirname(resolve(file)), raw.secretsFile) } : {}),
    ...(raw.secrets ? { secrets: raw.secrets } : {}),
  };
  return { inventory: diagnostics.length ? undefined : inventory, source, diagnostics };
}

type RawHost = Partial<Host> & { name: string; address: string };
interface RawInventory {
  cluster: Inventory['cluster'];
  hosts: RawHost[];
  ssh?: Inventory['ssh'];
  secretsFile?: string;
  secrets?: Record<string, string>;
}

function normalizeHost(raw: RawHost): Host {
  return {
    ...raw,
    name: raw.name,
    address: raw.address,
    internalAddress: raw.internalAddress ?? raw.address,
    port: raw.port ?? 22,
    user: raw.user ?? 'root',
    roles: raw.roles ?? [],
    vars: raw.vars ?? {},
    transport: raw.transport ?? 'ssh',
  };
}

function duplicateHosts(source: YamlSource, hosts: Host[]): Diagnostic[] {
  const seen = new Map<string, number>();
  const out: Diagnostic[] = [];
  hosts.forEach((h, i) => {
    const first = seen.get(h.name);
    if (first !== undefined) {
      out.push(source.diag(['hosts', i, 'name'], `duplicate host name "${h.name}" (first defined by hosts[${first}])`));
    } else {
      seen.set(h.name, i);
    }
  });
  return out;
}

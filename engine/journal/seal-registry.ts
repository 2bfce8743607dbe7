// Hosts whose SSH a run turned off. Kept outside any one state — beside the state files and
// beside the inventory (`.podsec-play/sealed-hosts.json` next to it) — so a later run of any
// playbook, a --fresh one, or one started from another directory says "SSH was turned off by
// run R at T" instead of failing with a bare connection error, and `plan` marks sealed hosts.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import type { SealRecord } from './types.js';

const FILE = 'sealed-hosts.json';

export class SealRegistry {
  readonly files: string[];

  constructor(dirs: string | string[]) {
    this.files = [...new Set((Array.isArray(dirs) ? dirs : [dirs]).map((d) => join(resolve(d), FILE)))];
  }

  /** The registry a run uses: the state file's directory and `.podsec-play/` beside the inventory. */
  static forRun(stateFile: string, inventoryFile: string): SealRegistry {
    return new SealRegistry([dirname(stateFile), join(dirname(inventoryFile), '.podsec-play')]);
  }

  all(): SealRecord[] {
    const seen = new Map<string, SealRecord>();
    for (const file of this.files) for (const s of read(file)) seen.set(`${s.address}:${s.port}`, s);
    return [...seen.values()];
  }

  /** The seal on this endpoint, if any (matched by name, address and port). */
  find(host: { name: string; address: string; port: number }): SealRecord | undefined {
    return this.all().find((s) => s.address === host.address && s.port === host.port && s.host === host.name);
  }

  add(record: SealRecord): void {
    for (const file of this.files) {
      const rest = read(file).filter((s) => !(s.address === record.address && s.port === record.port));
      write(file, [...rest, record]);
    }
  }
}

function read(file: string): SealRecord[] {
  if (!existsSync(file)) return [];
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { sealed?: SealRecord[] };
    return Array.isArray(data.sealed) ? data.sealed : [];
  } catch {
    return [];
  }
}

function write(file: string, sealed: SealRecord[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify({ sealed }, null, 1)}\n`, { mode: 0o600 });
}

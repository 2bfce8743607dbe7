// Hosts whose SSH a run turned off. Kept beside the state files (not inside one state), so a
// later run of any playbook, or a --fresh one, says "SSH was turned off by run R at T" instead
// of failing with a bare connection error, and `plan` can mark sealed hosts.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import type { SealRecord } from './types.js';

export class SealRegistry {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, 'sealed-hosts.json');
  }

  static forStateFile(stateFile: string): SealRegistry {
    return new SealRegistry(dirname(stateFile));
  }

  all(): SealRecord[] {
    if (!existsSync(this.file)) return [];
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as { sealed?: SealRecord[] };
      return Array.isArray(data.sealed) ? data.sealed : [];
    } catch {
      return [];
    }
  }

  /** The seal on this endpoint, if any (matched by address and port, then by name). */
  find(host: { name: string; address: string; port: number }): SealRecord | undefined {
    return this.all().find((s) => s.address === host.address && s.port === host.port && s.host === host.name);
  }

  add(record: SealRecord): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const rest = this.all().filter((s) => !(s.address === record.address && s.port === record.port));
    writeFileAtomic(this.file, JSON.stringify({ sealed: [...rest, record] }, null, 1) + '\n', { mode: 0o600 });
  }

  /** Forget seals on endpoints that are no longer sealed (a lab recreated, a host reinstalled). */
  remove(host: { address: string; port: number }): void {
    const all = this.all();
    const rest = all.filter((s) => !(s.address === host.address && s.port === host.port));
    if (rest.length !== all.length) writeFileAtomic(this.file, JSON.stringify({ sealed: rest }, null, 1) + '\n', { mode: 0o600 });
  }
}

// DIR/lab.pid: which process serves a lab, so a second `lab up` is refused and `lab down` knows
// whom to stop.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PlayError } from '../engine/errors.js';
import { isAlive as processAlive } from '../engine/util/process.js';

export { isAlive as processAlive } from '../engine/util/process.js';

/** The pid in the file, or undefined when there is none (or garbage). */
export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Refuse a second lab on the same DIR while the first one runs; then record this process. */
export function claimPidFile(file: string): void {
  const pid = readPid(file);
  if (pid !== undefined && pid !== process.pid && processAlive(pid)) {
    const dir = dirname(file);
    throw new PlayError(`a lab is already running in ${dir} (pid ${pid}); stop it with: podsec-play lab down --dir ${dir}`, { code: 'E_LOCKED' });
  }
  writeFileSync(file, `${process.pid}\n`);
}

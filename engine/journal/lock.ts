// One run per state file: an exclusive lock file (O_EXCL) holding the owner's pid. A lock
// whose process is gone (kill -9) is stale and taken over; a live one refuses with E_LOCKED.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { PlayError } from '../errors.js';
import { isAlive } from '../util/process.js';

interface LockInfo {
  pid: number;
  host: string;
  runId: string;
  since: string;
}

export class StateLock {
  private constructor(private readonly file: string) {}

  static acquire(stateFile: string, runId: string): StateLock {
    const file = `${stateFile}.lock`;
    for (let tries = 0; tries < 3; tries++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        const info: LockInfo = { pid: process.pid, host: hostname(), runId, since: new Date().toISOString() };
        writeSync(fd, JSON.stringify(info));
        closeSync(fd);
        return new StateLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readLock(file);
        if (!holder && youngerThan(file, 10_000)) {
          // Created a moment ago and not written yet: another run is taking the lock right now.
          throw new PlayError(`the state ${stateFile} is being locked by another run right now; try again`, { code: 'E_LOCKED' });
        }
        if (holder && holder.host === hostname() && isAlive(holder.pid) && holder.pid !== process.pid) {
          throw new PlayError(
            `the state ${stateFile} is in use by another run (run ${holder.runId}, pid ${holder.pid}, since ${holder.since}); wait for it to finish or stop it`,
            { code: 'E_LOCKED' },
          );
        }
        if (holder && holder.host !== hostname()) {
          throw new PlayError(`the state ${stateFile} is locked by pid ${holder.pid} on ${holder.host} (run ${holder.runId}); remove ${file} if that run is gone`, {
            code: 'E_LOCKED',
          });
        }
        // Stale (its process died) or unreadable (torn while being written): take it over.
        try {
          unlinkSync(file);
        } catch {
          // Another process removed it first: try again.
        }
      }
    }
    throw new PlayError(`cannot lock the state ${stateFile}: another run keeps taking the lock`, { code: 'E_LOCKED' });
  }

  release(): void {
    try {
      unlinkSync(this.file);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function youngerThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < ms;
  } catch {
    return false;
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

// One run per state file: a lock file beside it naming the owner (pid and the process's start
// identity, host, run id). It is created whole and exclusively (written to a temporary file,
// then link(2)ed into place, which fails if a lock exists), so it is never seen half-written.
//
// A lock whose process is gone — exited, a zombie not yet reaped, or a pid now used by another
// process — is stale and taken over. The takeover is atomic: only the process that exclusively
// creates the takeover file named after that exact stale lock may replace it, and it replaces it
// (rename over it) only if the lock still reads as the stale one. Two runs released together
// on a stale lock cannot both acquire it. A takeover file whose own creator died is passed over
// (the next one in sequence is used), never deleted by another process.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { PlayError } from '../errors.js';
import { isAlive, processStart } from '../util/process.js';

interface LockInfo {
  pid: number;
  /** processStart(pid) when the lock was taken (absent in locks written by older versions). */
  start?: string;
  host: string;
  runId: string;
  since: string;
}

/** How many takeover files in a row may belong to dead processes before we give up. */
const MAX_TAKEOVER_LEVELS = 16;

export class StateLock {
  private constructor(
    private readonly file: string,
    private readonly content: string,
  ) {}

  static acquire(stateFile: string, runId: string): StateLock {
    const file = `${stateFile}.lock`;
    const start = processStart(process.pid);
    const info: LockInfo = { pid: process.pid, ...(start ? { start } : {}), host: hostname(), runId, since: new Date().toISOString() };
    const mine = JSON.stringify(info);
    for (let tries = 0; tries < 5; tries++) {
      if (createExclusive(file, mine)) return new StateLock(file, mine);
      const seen = readRaw(file);
      if (seen === undefined) continue; // released meanwhile: try again
      const holder = parseLock(seen);
      if (!holder && !olderThan(file, 10_000)) {
        // Not a lock this version writes (they are created whole): give its writer a moment.
        throw new PlayError(`the state ${stateFile} is being locked by another run right now (${file} is unreadable); try again`, { code: 'E_LOCKED' });
      }
      if (holder && holder.host !== hostname()) {
        throw new PlayError(`the state ${stateFile} is locked by pid ${holder.pid} on ${holder.host} (run ${holder.runId}); remove ${file} if that run is gone`, {
          code: 'E_LOCKED',
        });
      }
      if (holder && holder.pid !== process.pid && isAlive(holder.pid, holder.start)) {
        throw new PlayError(
          `the state ${stateFile} is in use by another run (run ${holder.runId}, pid ${holder.pid}, since ${holder.since}); wait for it to finish or stop it`,
          { code: 'E_LOCKED' },
        );
      }
      // Stale (its process is gone) or garbage: take it over, atomically.
      const outcome = takeOver(file, seen, mine);
      if (outcome === 'acquired') return new StateLock(file, mine);
      if (outcome === 'busy') {
        throw new PlayError(`the state ${stateFile} is being taken over by another run right now; try again`, { code: 'E_LOCKED' });
      }
      // 'changed': someone else replaced or released it first; look again.
    }
    throw new PlayError(`cannot lock the state ${stateFile}: another run keeps taking the lock`, { code: 'E_LOCKED' });
  }

  /** Remove the lock — only if it is still ours (never another run's that took it over). */
  release(): void {
    if (readRaw(this.file) !== this.content) return;
    try {
      unlinkSync(this.file);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

/**
 * Replace the stale lock whose text is `stale` with ours. Exactly one process at a time may do
 * it: the one that exclusively created `LOCK.takeover-ID-N` (ID names the stale lock's text; N
 * moves past takeover files whose creators died before finishing).
 */
function takeOver(file: string, stale: string, mine: string): 'acquired' | 'changed' | 'busy' {
  const id = createHash('sha256').update(stale).digest('hex').slice(0, 16);
  const start = processStart(process.pid);
  const me = JSON.stringify({ pid: process.pid, ...(start ? { start } : {}), host: hostname() });
  for (let level = 1; level <= MAX_TAKEOVER_LEVELS; level++) {
    const mutex = `${file}.takeover-${id}-${level}`;
    if (!createExclusive(mutex, me)) {
      const text = readRaw(mutex);
      if (text === undefined) return 'changed'; // its creator finished: the lock is not the stale one any more
      const other = parseLock(text);
      const dead = other ? other.host === hostname() && !isAlive(other.pid, other.start) : olderThan(mutex, 10_000);
      if (dead) continue;
      return 'busy';
    }
    try {
      if (readRaw(file) !== stale) return 'changed';
      // rename(2) replaces the lock in one step: nobody ever sees it missing.
      const tmp = writeTemp(file, mine);
      try {
        renameSync(tmp, file);
      } catch (err) {
        unlinkQuietly(tmp);
        throw err;
      }
      return 'acquired';
    } finally {
      // Safe to remove: the lock no longer reads as `stale`, so a later creator of this name
      // finds it changed and backs off.
      unlinkQuietly(mutex);
    }
  }
  return 'busy';
}

/** Create `file` with `content` only if it does not exist, never visible half-written. */
function createExclusive(file: string, content: string): boolean {
  const tmp = writeTemp(file, content);
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkQuietly(tmp);
  }
}

function writeTemp(file: string, content: string): string {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, content);
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs >= ms;
  } catch {
    return false;
  }
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo> | null;
    if (!v || typeof v !== 'object' || typeof v.pid !== 'number' || typeof v.host !== 'string') return undefined;
    return {
      pid: v.pid,
      host: v.host,
      runId: typeof v.runId === 'string' ? v.runId : '?',
      since: typeof v.since === 'string' ? v.since : '?',
      ...(typeof v.start === 'string' ? { start: v.start } : {}),
    };
  } catch {
    return undefined;
  }
}

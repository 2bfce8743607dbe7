// A file lock for state shared by every node (DIR/cluster.json): exclusive create of a lock
// file holding the owner's pid; a lock whose owner died is broken. Writes are atomic renames,
// so stand-ins on many nodes at once never lose an update.
import { openSync, closeSync, writeSync, readFileSync, rmSync, statSync, renameSync, writeFileSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

function sleepMs(ms) {
  Atomics.wait(pause, 0, 0, ms);
}

export function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e?.code === 'EPERM';
  }
}

function ownerAlive(lockFile) {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    if (!pid) return Date.now() - statSync(lockFile).mtimeMs < 5000; // being written right now
    return processAlive(pid);
  } catch {
    return true; // the lock went away meanwhile: just try again (never remove someone's new lock)
  }
}

export function withLock(lockFile, fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (e?.code !== 'EEXIST') throw e;
      if (!ownerAlive(lockFile)) rmSync(lockFile, { force: true });
      else if (Date.now() > deadline) throw new Error(`lock ${lockFile} held too long`);
      else sleepMs(wait);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

export function writeJsonAtomic(file, value, mode = 0o644) {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode });
  renameSync(tmp, file);
}

export { sleepMs };

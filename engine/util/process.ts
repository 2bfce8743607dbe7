// Is a process still there — and is it still the same process? A pid alone says little: a run
// killed with kill -9 may linger as a zombie (state Z) until its parent reaps it, and after it is
// gone its pid may be given to an unrelated process. So a recorded pid comes with the process's
// start identity (boot id and start time, from /proc), and a zombie counts as dead.
import { readFileSync } from 'node:fs';

/** `BOOTID/STARTTIME` of a live process (Linux), or undefined where /proc cannot tell. */
export function processStart(pid: number): string | undefined {
  const stat = readStat(pid);
  if (stat === undefined) return undefined;
  // Fields after "(comm) ": state is field 3, starttime field 22 (proc(5)).
  const starttime = stat.fields[19];
  return starttime === undefined ? undefined : `${bootId() ?? 'boot'}/${starttime}`;
}

/**
 * Is `pid` a live process (not a zombie)? With `start` (what processStart said when the pid was
 * recorded) it must also be that same process, not a later one that got the pid.
 */
export function isAlive(pid: number, start?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const stat = readStat(pid);
  if (stat !== undefined) {
    if (stat.fields[0] === 'Z' || stat.fields[0] === 'X') return false;
    if (start !== undefined) return processStart(pid) === start;
    return true;
  }
  if (procMounted()) return false;
  // No /proc (not Linux): kill -0; EPERM means it exists but belongs to someone else.
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readStat(pid: number): { fields: string[] } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces or ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2);
  return { fields: rest.trim().split(' ') };
}

let boot: string | undefined | null = null;
function bootId(): string | undefined {
  if (boot === null) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      boot = undefined;
    }
  }
  return boot;
}

function procMounted(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

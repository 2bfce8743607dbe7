// vitest globalSetup: every temp dir, server and process a test makes must be gone when the run
// ends. The run gets its own temporary directory (TMPDIR, inherited by the test workers and by
// everything they start: CLIs, labs, sshd), and a marker in the environment of every process it
// spawns; at the end any entry left in that directory, or any process still carrying the marker,
// fails the run (they are listed, then removed or killed, so a failed run leaves nothing either).
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARKER = 'PODSEC_PLAY_TEST_RUN';

export default function setup(): () => void {
  const outer = tmpdir();
  const root = mkdtempSync(join(outer, 'podsec-play-test-run-'));
  // Like /tmp itself: a test's non-root user (sshd reading its authorized_keys) must get through.
  chmodSync(root, 0o1777);
  const id = `${process.pid}-${Date.now()}`;
  const saved = { TMPDIR: process.env.TMPDIR, marker: process.env[MARKER] };
  process.env.TMPDIR = root;
  process.env[MARKER] = id;
  return () => {
    const left = readdirSync(root).map((e) => describeEntry(root, e));
    const procs = markedProcesses(id);
    for (const p of procs) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(root, { recursive: true, force: true });
    if (saved.TMPDIR === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved.TMPDIR;
    if (saved.marker === undefined) delete process.env[MARKER];
    else process.env[MARKER] = saved.marker;
    const problems = [
      ...(left.length ? [`temp entries left in ${root} (removed now): ${left.join(', ')}`] : []),
      ...(procs.length ? [`processes left running (killed now): ${procs.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`] : []),
    ];
    if (problems.length) {
      // vitest reports an error thrown here but still exits 0: set the exit code as well.
      process.exitCode = 1;
      throw new Error(`the tests left things behind:\n${problems.join('\n')}`);
    }
  };
}

/** `name (first entries…)`: what a leftover dir holds says which test made it. */
function describeEntry(root: string, name: string): string {
  try {
    const inside = readdirSync(join(root, name));
    return `${name} (${inside.slice(0, 6).join(' ')}${inside.length > 6 ? ' …' : ''})`;
  } catch {
    return name;
  }
}

function markedProcesses(id: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!env.includes(`${MARKER}=${id}`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name: state, ppid, …; vitest's own workers are our children.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || Number(ppid) === process.pid) continue;
      out.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 120) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

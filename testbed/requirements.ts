// What a machine needs before a testbed can start: Linux, root (namespaces, mounts, a bridge) and
// the real programs the nodes run. Each missing piece is one clear line naming the package, so
// `testbed up` fails before it creates anything.
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlayError } from '../engine/errors.js';

/** The programs the controller and the nodes run for real, and the Debian package of each. */
export const PROGRAMS = {
  ip: 'iproute2',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  mount: 'mount',
  sshd: 'openssh-server',
  haproxy: 'haproxy',
  keepalived: 'keepalived',
  curl: 'curl',
  // the image maker's key and the signing dialog (gpg2 on ALT; the agent asks through pinentry)
  gpg: 'gnupg',
  'pinentry-curses': 'pinentry-curses',
  su: 'util-linux',
} as const;

export type ProgramName = keyof typeof PROGRAMS;

/** Where root's programs live (the nodes see the host's /usr, so these paths hold there too). */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of a system program, or undefined. */
export function findProgram(name: string): string | undefined {
  return SYSTEM_DIRS.map((d) => join(d, name)).find(executable);
}

/** Every program's absolute path; throws the same message as testbedProblems when one is missing. */
export function programPaths(): Record<ProgramName, string> {
  const out = {} as Record<ProgramName, string>;
  for (const name of Object.keys(PROGRAMS) as ProgramName[]) {
    const path = findProgram(name);
    if (!path) throw new PlayError(missingMessage([name]), { code: 'E_USAGE' });
    out[name] = path;
  }
  return out;
}

function missingMessage(names: ProgramName[]): string {
  const pkgs = [...new Set(names.map((n) => PROGRAMS[n]))];
  return `missing ${names.join(', ')}: install ${pkgs.length > 1 ? 'them' : 'it'} with \`apt-get install ${pkgs.join(' ')}\``;
}

function hasOverlayfs(): boolean {
  try {
    return /\boverlay\b/.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

/** Every reason this machine cannot run a testbed (empty: it can). */
export function testbedProblems(env: { platform?: string; uid?: number } = {}): string[] {
  const platform = env.platform ?? process.platform;
  if (platform !== 'linux') return [`the testbed needs Linux (network and mount namespaces); this is ${platform}: use \`podsec-play lab up\` instead`];
  const problems: string[] = [];
  const uid = env.uid ?? process.getuid?.() ?? -1;
  if (uid !== 0) problems.push('the testbed needs root (it creates network namespaces, a bridge and mounts): run it with sudo, or use `podsec-play lab up`');
  const missing = (Object.keys(PROGRAMS) as ProgramName[]).filter((n) => findProgram(n) === undefined);
  if (missing.length > 0) problems.push(missingMessage(missing));
  if (!hasOverlayfs()) problems.push('the kernel has no overlay filesystem (needed to put the stand-ins on the nodes\' PATH): load it with `modprobe overlay`');
  return problems;
}

export function assertTestbedHost(): void {
  const problems = testbedProblems();
  if (problems.length > 0) throw new PlayError(problems.join('\n'), { code: 'E_USAGE' });
}

// Running the controller's own programs (ip, nsenter, kill, …) for the testbed: a failure is a
// PlayError naming the command and what it printed, never a stack trace.
import { execFile, execFileSync } from 'node:child_process';
import { PlayError } from '../engine/errors.js';

export interface HostResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `file args…`; resolves with the exit code and output whatever the code. */
export function runHost(file: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<HostResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { encoding: 'utf8', timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === 127 ? err.message : '') });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Run it and require exit 0 (else a PlayError with the command line and its stderr). */
export async function mustRun(file: string, args: string[], options: { input?: string; timeoutMs?: number; what?: string } = {}): Promise<string> {
  const r = await runHost(file, args, options);
  if (r.code !== 0) {
    const detail = (r.stderr || r.stdout).trim();
    throw new PlayError(`${options.what ? `${options.what}: ` : ''}\`${[file, ...args].join(' ')}\` exited ${r.code}${detail ? `: ${detail}` : ''}`, { code: 'E_COMMAND' });
  }
  return r.stdout;
}

/** The synchronous form, for teardown paths that must not be interleaved. */
export function runHostSync(file: string, args: string[]): HostResult {
  try {
    const stdout = execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status?: number | null; stdout?: string; stderr?: string; message: string };
    return { code: e.status ?? 127, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

// Upload and download over SFTP. An upload is skipped when the remote sha256 already matches,
// and otherwise lands atomically: written under a temporary name in the target's directory,
// given its mode and owner, then renamed over the target, so no reader sees half a file.
// Through sudo, SFTP (running as the login user) writes to /tmp first and root copies it in.
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { CommandError, PlayError } from '../../errors.js';
import { quote } from '../../util/shell.js';
import type { UploadOptions, UploadResult } from '../types.js';
import type { ChannelResult } from './exec.js';

export interface FileOps {
  host: string;
  run(command: string, options: { sudo: boolean; signal?: AbortSignal }): Promise<ChannelResult>;
  sftp(): Promise<SFTPWrapper>;
  /** Whether the failure of an SFTP call came from a dropped connection (then: its error). */
  dropError(): PlayError | undefined;
}

interface RemoteState {
  sha256: string;
  mode: number;
  uid: string;
  gid: string;
  owner: string;
  group: string;
}

/** `sudo`: go through sudo; `asRoot`: the commands run as root (sudo, or a root login). */
export async function uploadFile(
  ops: FileOps,
  options: UploadOptions,
  sudo: boolean,
  asRoot: boolean,
): Promise<UploadResult> {
  const content = typeof options.content === 'string' ? Buffer.from(options.content, 'utf8') : options.content;
  const sha256 = createHash('sha256').update(content).digest('hex');
  const run = (command: string): Promise<ChannelResult> =>
    ops.run(command, { sudo, ...(options.signal ? { signal: options.signal } : {}) });
  const path = options.path;
  const state = await remoteState(ops, path, run);

  if (state && state.sha256 === sha256) {
    const fixes = attributeFixes(state, options, path);
    if (fixes.length === 0) return { changed: false, sha256 };
    mustSucceed(ops, await run(fixes.join(' && ')), `set the mode/owner of ${path}`);
    return { changed: true, sha256 };
  }

  const dir = posix.dirname(path);
  const suffix = randomBytes(6).toString('hex');
  const staged = `${dir}/.${posix.basename(path)}.podsec-${suffix}`;
  const mode = options.mode ?? state?.mode ?? 0o644;
  const chown = chownSpec(options, asRoot ? state : undefined);
  const finalize = [
    `chmod ${(mode & 0o7777).toString(8)} -- ${quote(staged)}`,
    ...(chown ? [`chown ${quote(chown)} -- ${quote(staged)}`] : []),
    `mv -f -- ${quote(staged)} ${quote(path)}`,
  ].join(' && ');

  if (!sudo) {
    await sftpWrite(ops, staged, content);
    const result = await run(`{ ${finalize}; } || { rc=$?; rm -f -- ${quote(staged)}; exit $rc; }`);
    mustSucceed(ops, result, `install ${path}`);
    return { changed: true, sha256 };
  }
  const spool = `/tmp/.podsec-upload-${suffix}`;
  await sftpWrite(ops, spool, content);
  const script =
    `{ cp -- ${quote(spool)} ${quote(staged)} && ${finalize}; }; rc=$?; rm -f -- ${quote(spool)}; ` +
    `[ $rc -eq 0 ] || rm -f -- ${quote(staged)}; exit $rc`;
  mustSucceed(ops, await run(script), `install ${path}`);
  return { changed: true, sha256 };
}

export async function downloadFile(
  ops: FileOps,
  path: string,
  sudo: boolean,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  if (sudo) {
    const result = await ops.run(`cat -- ${quote(path)}`, { sudo, ...(signal ? { signal } : {}) });
    mustSucceed(ops, result, `read ${path}`);
    return result.stdoutBytes;
  }
  const sftp = await ops.sftp();
  return new Promise((resolve, reject) => {
    sftp.readFile(path, (err, data) => (err ? reject(sftpError(ops, err, `download ${path}`)) : resolve(data)));
  });
}

async function remoteState(
  ops: FileOps,
  path: string,
  run: (command: string) => Promise<ChannelResult>,
): Promise<RemoteState | undefined> {
  const p = quote(path);
  const result = await run(`if [ -e ${p} ]; then sha256sum -- ${p} && stat -c '%a %u %g %U %G' -- ${p}; fi`);
  mustSucceed(ops, result, `check ${path}`);
  const [sumLine, statLine] = result.stdout.trim().split('\n');
  if (!sumLine || !statLine) return undefined;
  const sha256 = sumLine.split(/\s+/)[0] ?? '';
  const [mode, uid, gid, owner, group] = statLine.trim().split(/\s+/);
  return {
    sha256: sha256.replace(/^\\/, ''),
    mode: parseInt(mode ?? '644', 8),
    uid: uid ?? '',
    gid: gid ?? '',
    owner: owner ?? '',
    group: group ?? '',
  };
}

/** chmod/chown commands needed when the content is right but the attributes are not. */
function attributeFixes(state: RemoteState, options: UploadOptions, path: string): string[] {
  const fixes: string[] = [];
  if (options.mode !== undefined && (state.mode & 0o7777) !== (options.mode & 0o7777)) {
    fixes.push(`chmod ${(options.mode & 0o7777).toString(8)} -- ${quote(path)}`);
  }
  const ownerOk = options.owner === undefined || options.owner === state.owner || options.owner === state.uid;
  const groupOk = options.group === undefined || options.group === state.group || options.group === state.gid;
  if (!ownerOk || !groupOk) {
    const spec = `${ownerOk ? '' : (options.owner ?? '')}${groupOk ? '' : `:${options.group ?? ''}`}`;
    fixes.push(`chown ${quote(spec)} -- ${quote(path)}`);
  }
  return fixes;
}

/** The owner:group to give the new file: what was asked, else (as root) what the old file had. */
function chownSpec(options: UploadOptions, state: RemoteState | undefined): string | undefined {
  const owner = options.owner ?? state?.uid;
  const group = options.group ?? state?.gid;
  if (options.owner === undefined && options.group === undefined) {
    // Keep the old file's ownership; nothing to do for a new file.
    return state ? `${state.uid}:${state.gid}` : undefined;
  }
  if (owner !== undefined && group !== undefined) return `${owner}:${group}`;
  if (owner !== undefined) return owner;
  return `:${group ?? ''}`;
}

async function sftpWrite(ops: FileOps, path: string, content: Buffer): Promise<void> {
  const sftp = await ops.sftp();
  await new Promise<void>((resolve, reject) => {
    sftp.writeFile(path, content, { mode: 0o600 }, (err) =>
      err ? reject(sftpError(ops, err, `upload to ${path}`)) : resolve(),
    );
  });
}

const SFTP_REASONS: Record<number, string> = {
  2: 'no such file or directory',
  3: 'permission denied',
  4: 'failure',
};

function sftpError(ops: FileOps, err: Error & { code?: number | string }, what: string): PlayError {
  const dropped = ops.dropError();
  if (dropped) return dropped;
  const reason = typeof err.code === 'number' ? (SFTP_REASONS[err.code] ?? err.message) : err.message;
  return new PlayError(`${ops.host}: cannot ${what}: ${reason}`, { code: 'E_STEP', host: ops.host, cause: err });
}

function mustSucceed(ops: FileOps, result: ChannelResult, what: string): void {
  if (result.exitCode === 0) return;
  const { stdoutBytes: _bytes, ...outcome } = result;
  throw new CommandError(outcome, { host: ops.host, what: `${ops.host}: could not ${what}:`, retryable: false });
}

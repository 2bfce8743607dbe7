// How podsec step kinds reach a host: this host with its output shown as step events, this host
// or another (the master) quietly with every line scanned for join material first, so a token
// printed by kubeadm is registered as a secret before anything can show it.
import { CommandError } from '../../engine/errors.js';
import type { ExecOptions, ExecResult, Transport, UploadOptions, UploadResult } from '../../engine/transport/types.js';
import { quote } from '../../engine/util/shell.js';
import type { StepContext } from '../../engine/step-kind.js';
import { findSecretLike } from './join-line.js';

export interface RunOptions extends ExecOptions {
  /** Words for the error message instead of "command" (e.g. "kubeadm init"). */
  what?: string;
  /** Is a failure worth retrying? Default true (CommandError's default). */
  retryable?: boolean;
}

export interface Remote {
  /** The inventory name of the host the commands run on. */
  readonly name: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit throws a CommandError naming the host. */
  run(command: string, options?: RunOptions): Promise<ExecResult>;
  download(path: string): Promise<Buffer>;
  upload(options: UploadOptions): Promise<UploadResult>;
}

/** This host through the context: output lines become step.output events. */
export function hostRemote(ctx: StepContext): Remote {
  return {
    name: ctx.host.name,
    exec: (command, options) => ctx.exec(command, withSignal(ctx, options)),
    run: async (command, options) => {
      const { what, retryable, ...rest } = options ?? {};
      const result = await ctx.exec(command, withSignal(ctx, rest));
      if (result.exitCode !== 0) throw commandError(result, ctx.host.name, what, retryable);
      return result;
    },
    download: (path) => ctx.download(path),
    upload: (o) => ctx.upload({ ...o, signal: o.signal ?? ctx.signal }),
  };
}

export interface QuietOptions {
  /** Lines matching this are passed to ctx.log (after secrets in them are registered). */
  progress?: RegExp;
}

/**
 * A host's transport used directly: no step.output events; every output line is scanned for
 * join material (registered with ctx.secret) before a `progress` line may reach ctx.log.
 */
export function quietRemote(ctx: StepContext, name: string, transport: Transport, quiet: QuietOptions = {}): Remote {
  const exec = async (command: string, options?: ExecOptions): Promise<ExecResult> => {
    const userOnLine = options?.onLine;
    const result = await transport.exec(command, {
      ...withSignal(ctx, options),
      onLine: (line, stream) => {
        for (const s of findSecretLike(line)) ctx.secret(s);
        if (quiet.progress?.test(line)) ctx.log(name === ctx.host.name ? line : `${name}: ${line}`);
        userOnLine?.(line, stream);
      },
    });
    for (const s of findSecretLike(`${result.stdout}\n${result.stderr}`)) ctx.secret(s);
    return result;
  };
  return {
    name,
    exec,
    run: async (command, options) => {
      const { what, retryable, ...rest } = options ?? {};
      const result = await exec(command, rest);
      if (result.exitCode !== 0) throw commandError(result, name, what, retryable);
      return result;
    },
    download: (path) => transport.download(path, { signal: ctx.signal }),
    upload: (o) => transport.upload({ ...o, signal: o.signal ?? ctx.signal }),
  };
}

/** This host, quietly: for checks and probes whose output is no news to the user. */
export function selfQuiet(ctx: StepContext, quiet: QuietOptions = {}): Remote {
  return quietRemote(ctx, ctx.host.name, ctx.transport, quiet);
}

/** Another inventory host (the master, usually), reached quietly. */
export async function remoteFor(ctx: StepContext, hostName: string, quiet: QuietOptions = {}): Promise<Remote> {
  if (hostName === ctx.host.name) return quietRemote(ctx, hostName, ctx.transport, quiet);
  return quietRemote(ctx, hostName, await ctx.transportFor(hostName), quiet);
}

function withSignal(ctx: StepContext, options: ExecOptions | undefined): ExecOptions {
  return { ...options, signal: options?.signal ?? ctx.signal };
}

function commandError(result: ExecResult, host: string, what: string | undefined, retryable: boolean | undefined): CommandError {
  return new CommandError(result, {
    host,
    ...(what === undefined ? {} : { what }),
    ...(retryable === undefined ? {} : { retryable }),
  });
}

/** Does `path` exist on the host? (`test -e`, so a dangling name counts as absent.) */
export async function exists(remote: Remote, path: string): Promise<boolean> {
  const r = await remote.exec(`test -e ${quote(path)}`);
  return r.exitCode === 0;
}

/** The file's bytes, or undefined when there is no such file. Read errors of a file that
 * exists (a dropped connection, say) still throw. */
export async function readIfExists(remote: Remote, path: string): Promise<Buffer | undefined> {
  const r = await remote.exec(`test -f ${quote(path)}`);
  if (r.exitCode !== 0) return undefined;
  return remote.download(path);
}

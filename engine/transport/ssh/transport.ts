// The Transport of one SSH host: exec with sudo/runAs/env/PTY answers, atomic upload and
// download, all over one lazily opened, self-healing connection.
import type { Host } from '../../model.js';
import { PlayError } from '../../errors.js';
import type { SecretSource } from '../../secrets/store.js';
import type { ExecOptions, ExecResult, PromptAnswer, Transport, UploadOptions, UploadResult } from '../types.js';
import { linkSignals, raceAbort } from './abort.js';
import {
  envReader,
  envScript,
  MAX_PTY_ENV_SCRIPT,
  SUDO_PROMPT,
  usesSudo,
  wrapCommand,
  type EnvDelivery,
  type SudoMode,
} from './command-line.js';
import type { Connection } from './connection.js';
import { runOnLink, type ChannelResult } from './exec.js';
import { downloadFile, uploadFile, type FileOps } from './files.js';
import type { Link } from './link.js';

const DEFAULT_PROMPT_IDLE_MS = 2000;

export class SshTransport implements Transport {
  readonly host: string;

  constructor(
    private readonly model: Host,
    private readonly connection: Connection,
    private readonly secrets: SecretSource,
    private readonly loginUser: () => string,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.host = model.name;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { stdoutBytes: _bytes, ...outcome } = await this.run(command, options);
    return outcome;
  }

  async upload(options: UploadOptions): Promise<UploadResult> {
    const sudo = this.wantsSudo(options.sudo);
    return uploadFile(this.fileOps(), options, sudo, sudo || this.loginUser() === 'root');
  }

  async download(path: string, options: { signal?: AbortSignal; sudo?: boolean } = {}): Promise<Buffer> {
    return downloadFile(this.fileOps(), path, this.wantsSudo(options.sudo), options.signal);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  async prepare(): Promise<void> {
    await this.connection.prepare();
  }

  private wantsSudo(explicit: boolean | undefined): boolean {
    return usesSudo({ sudo: explicit ?? this.model.sudo ?? false, loginUser: this.loginUser() });
  }

  private async link(signal: AbortSignal | undefined): Promise<Link> {
    const live = this.connection.live();
    if (live && !signal?.aborted) return live;
    return raceAbort(this.connection.get(), signal, this.host, 'connect');
  }

  private async run(command: string, options: ExecOptions): Promise<ChannelResult> {
    const { signal, dispose } = linkSignals(options.signal, this.signal);
    try {
      return await this.runWith(command, options, signal);
    } finally {
      dispose();
    }
  }

  private async runWith(command: string, options: ExecOptions, signal: AbortSignal | undefined): Promise<ChannelResult> {
    const link = await this.link(signal);
    const loginUser = this.loginUser();
    const sudoWanted = usesSudo({
      sudo: options.sudo ?? this.model.sudo ?? false,
      loginUser,
      ...(options.runAs === undefined ? {} : { runAs: options.runAs }),
    });
    const sudoMode: SudoMode = sudoWanted ? await this.sudoMode(link, options.pty === true, signal) : 'nopasswd';
    const pty = options.pty === true;
    let wrapped: string;
    let script: string | undefined;
    let delivery: EnvDelivery = pty ? 'request' : 'stdin';
    try {
      script = envScript(options.env);
      if (script !== undefined && pty && Buffer.byteLength(script) > MAX_PTY_ENV_SCRIPT) delivery = 'inline';
      const prefix = script !== undefined && delivery !== 'inline' ? envReader(Buffer.byteLength(script), delivery) : '';
      wrapped = wrapCommand(command, {
        sudo: options.sudo ?? this.model.sudo ?? false,
        loginUser,
        sudoMode,
        pty,
        prefix,
        ...(delivery === 'inline' && options.env ? { env: options.env } : {}),
        ...(options.runAs === undefined ? {} : { runAs: options.runAs }),
      });
    } catch (err) {
      throw new PlayError(`${this.host}: ${(err as Error).message}`, { code: 'E_INPUT', host: this.host });
    }
    // stdin, in order: sudo's password line, the env script, the caller's data.
    const parts: Buffer[] = [];
    if (sudoMode === 'stdin') parts.push(Buffer.from(`${this.sudoPassword()}\n`));
    if (script !== undefined && delivery === 'stdin') parts.push(Buffer.from(script));
    if (options.stdin !== undefined) parts.push(Buffer.from(options.stdin));
    const stdin = parts.length > 0 ? Buffer.concat(parts) : undefined;
    const answers: PromptAnswer[] = [...(options.answers ?? [])];
    if (sudoMode === 'pty') answers.push({ prompt: escapeRegExp(SUDO_PROMPT), send: this.sudoPassword() });
    const envOnRequest = script !== undefined && delivery === 'request' ? Buffer.from(script) : undefined;
    const killVia = sudoWanted ? this.killVia(loginUser, sudoMode) : undefined;
    return runOnLink(link, {
      command: wrapped,
      display: command,
      killable: true,
      ...(killVia ? { killVia } : {}),
      pty,
      ...(stdin ? { stdin } : {}),
      ...(envOnRequest ? { envOnRequest } : {}),
      ...(sudoMode === 'pty' ? { hideLines: [SUDO_PROMPT] } : {}),
      keepStdinOpen: answers.length > 0,
      answers,
      failOnUnmatchedPrompt: (options.answers?.length ?? 0) > 0,
      promptIdleMs: options.promptIdleMs ?? DEFAULT_PROMPT_IDLE_MS,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(signal ? { signal } : {}),
      ...(options.onLine ? { onLine: options.onLine } : {}),
      ...(options.onStarted ? { onStarted: options.onStarted } : {}),
    });
  }

  /** How sudo gets its password on this connection: asked once per connection with `sudo -n true`. */
  private async sudoMode(link: Link, pty: boolean, signal: AbortSignal | undefined): Promise<SudoMode> {
    if (!this.model.sudoPasswordSecret) return 'nopasswd';
    let probe = link.memo.get('sudo-needs-password') as Promise<boolean> | undefined;
    if (!probe) {
      probe = runOnLink(link, {
        command: 'sudo -n true',
        display: 'sudo -n true',
        pty: false,
        keepStdinOpen: false,
        answers: [],
        failOnUnmatchedPrompt: false,
        promptIdleMs: DEFAULT_PROMPT_IDLE_MS,
        killable: false,
        ...(signal ? { signal } : {}),
      }).then((r) => r.exitCode !== 0);
      link.memo.set('sudo-needs-password', probe);
      probe.catch(() => link.memo.delete('sudo-needs-password'));
    }
    if (!(await probe)) return 'nopasswd';
    return pty ? 'pty' : 'stdin';
  }

  /** A kill of a sudo'd command goes through sudo too (its processes belong to root). */
  private killVia(loginUser: string, mode: SudoMode): (cmd: string) => { command: string; stdin?: Buffer } {
    const viaStdin: SudoMode = mode === 'pty' ? 'stdin' : mode;
    return (cmd) => ({
      command: wrapCommand(cmd, { sudo: true, loginUser, sudoMode: viaStdin }),
      ...(viaStdin === 'stdin' ? { stdin: Buffer.from(`${this.sudoPassword()}\n`) } : {}),
    });
  }

  private sudoPassword(): string {
    const name = this.model.sudoPasswordSecret ?? '';
    const value = this.secrets.get(name);
    if (value === undefined) {
      throw new PlayError(`${this.host}: the sudo password secret ${name} is not set`, {
        code: 'E_AUTH',
        host: this.host,
      });
    }
    return value;
  }

  private fileOps(): FileOps {
    let used: Link | undefined;
    return {
      host: this.host,
      run: (command, options) => this.run(command, options),
      sftp: async () => {
        used = await this.link(this.signal);
        return used.sftp();
      },
      dropError: () => (used && !used.isAlive ? used.dropReason() : undefined),
    };
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

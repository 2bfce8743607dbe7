// What a step may do on a host. Implemented by the local transport (execa) and the SSH
// transport (ssh2); the machines and the planner never import either.
import type { CommandOutcome } from '../errors.js';

/** An interactive prompt and what to send when it appears (usually a secret, masked). */
export interface PromptAnswer {
  /** Regular expression source matched against what a terminal shows at the cursor: the cursor's
   * line up to the cursor and the few lines above it, written since the last answer (see
   * prompt-watcher.ts). */
  prompt: string;
  /** Text to send; Enter follows (CR on a PTY, a newline on a pipe). */
  send: string;
  /** Answer at most once (default false: answer every time the prompt appears). */
  once?: boolean;
}

export interface ExecOptions {
  /** Extra environment variables, exported in the remote shell (values are quoted). */
  env?: Record<string, string>;
  /** Run through sudo (for a non-root user). */
  sudo?: boolean;
  /** Run as this user (via sudo -u / su); the image maker, say. */
  runAs?: string;
  /** Allocate a pseudo-terminal (SSH) so interactive programs prompt. */
  pty?: boolean;
  /**
   * Prompts to answer. When set, a screen that looks like a question (the cursor after `?`, `:`,
   * `]`, `>` or a y/N choice, alone under such a question, or a full-screen dialog) that matches no
   * answer and stays idle for `promptIdleMs` fails the command with E_PROMPT, showing the screen,
   * instead of hanging.
   */
  answers?: PromptAnswer[];
  promptIdleMs?: number;
  /** Data written to stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /** Aborts the command (kills it / closes the channel). */
  signal?: AbortSignal;
  /** Kill the command after this many ms; the outcome then has timedOut: true. */
  timeoutMs?: number;
  /** Called for every complete line of output as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Called once the command is running on the host (work that can wait goes here: it then
   * overlaps the command instead of delaying it). */
  onStarted?: () => void;
}

/** exec resolves with the outcome whatever the exit code; it rejects only when the command
 * could not be run at all (connection lost: PlayError E_CONNECT, retryable) or was aborted. */
export type ExecResult = CommandOutcome;

export interface UploadOptions {
  path: string;
  content: string | Buffer;
  /** Octal mode, e.g. 0o644. */
  mode?: number;
  owner?: string;
  group?: string;
  sudo?: boolean;
  signal?: AbortSignal;
}

export interface UploadResult {
  /** False when the remote file already had the same sha256 (upload skipped). */
  changed: boolean;
  sha256: string;
}

export interface Transport {
  readonly host: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Atomic upload (temporary name, then rename) unless the checksum already matches. */
  upload(options: UploadOptions): Promise<UploadResult>;
  download(path: string, options?: { signal?: AbortSignal; sudo?: boolean }): Promise<Buffer>;
  close(): Promise<void>;
  /** Work out what connecting will need (the SSH route) without connecting; never rejects. Lets
   * a caller about to reach many hosts have that done for all of them at once. */
  prepare?(): Promise<void>;
}

// Builds the remote command line for sudo / runAs / env, so privilege changes are the same
// for every step and every value is quoted. Neither the sudo password nor env values appear
// on it (a command line is visible to every user of the host in ps): the password goes to
// sudo's stdin (`-S -p ''`) or, with a PTY, answers sudo's own prompt; env values (join
// tokens, say) travel as a small script the command reads first from stdin, exactly N bytes,
// leaving the rest of stdin to the command.
import { lendTerminal } from '../../util/lend-terminal.js';
import { exportEnv, quote } from '../../util/shell.js';
import { envRequestPrefix } from './markers.js';

/** How env values reach the command. */
export type EnvDelivery =
  | 'stdin' // the script is the first N bytes of stdin (after sudo's password line)
  | 'request' // PTY: the command prints a marker when ready, the transport then types it
  | 'inline'; // on the command line (a PTY and a script too long for one terminal line)

/** A PTY's line discipline truncates longer input lines (N_TTY holds 4096 bytes). */
export const MAX_PTY_ENV_SCRIPT = 2048;

/** `export A='x' B='y'` plus a newline, or undefined when there is nothing to export.
 * Throws on a name that is not a shell variable name. */
export function envScript(env: Record<string, string> | undefined): string | undefined {
  const exported = exportEnv(env);
  if (exported === '') return undefined;
  return `${exported.replace(/; $/, '')}\n`;
}

/** Reads exactly `bytes` bytes of stdin (dd bs=1 never reads ahead) and evaluates them. */
export function envReader(bytes: number, delivery: 'stdin' | 'request'): string {
  const read = `__podsec_env=$(dd bs=1 count=${bytes} 2>/dev/null); eval "$__podsec_env"; unset __podsec_env; `;
  return delivery === 'request' ? `${envRequestPrefix()}${read}` : read;
}

/** How sudo gets its password on this connection. */
export type SudoMode =
  | 'nopasswd' // `sudo -n`: fail instead of asking
  | 'stdin' // `sudo -S -p ''`: the password is the first line of stdin
  | 'pty'; // sudo asks on the PTY with SUDO_PROMPT, the exec answers it

/** The prompt sudo prints in 'pty' mode; matched by an internal answer. */
export const SUDO_PROMPT = '[podsec-play] sudo password: ';

export interface WrapOptions {
  /** Exported on the command line itself ('inline' delivery only). */
  env?: Record<string, string>;
  /** Runs first inside the privilege change (the env reader). */
  prefix?: string;
  /** Run through sudo (ignored when the login user is root). */
  sudo: boolean;
  runAs?: string;
  loginUser: string;
  sudoMode: SudoMode;
  /** The command has a terminal: lend it to `runAs` (pinentry opens it by name). */
  pty?: boolean;
}

export function sudoFlags(mode: SudoMode): string {
  switch (mode) {
    case 'nopasswd':
      return '-n';
    case 'stdin':
      return `-S -p ''`;
    case 'pty':
      return `-p ${quote(SUDO_PROMPT)}`;
  }
}

/** Does this command go through sudo (and so may need the sudo password)? */
export function usesSudo(options: Pick<WrapOptions, 'sudo' | 'runAs' | 'loginUser'>): boolean {
  if (options.loginUser === 'root') return false;
  if (options.runAs !== undefined && options.runAs !== options.loginUser) return true;
  return options.sudo && options.runAs === undefined;
}

export function wrapCommand(command: string, options: WrapOptions): string {
  const inner = `${options.prefix ?? ''}${exportEnv(options.env)}${command}`;
  const { runAs, loginUser } = options;
  if (runAs !== undefined && runAs !== loginUser) {
    const su = `su -s /bin/sh ${quote(runAs)} -c ${quote(inner)}`;
    if (loginUser === 'root') return options.pty ? `${lendTerminal({ user: runAs })}${su}` : su;
    return `sudo ${sudoFlags(options.sudoMode)} -u ${quote(runAs)} -H sh -c ${quote(inner)}`;
  }
  if (options.sudo && loginUser !== 'root' && runAs === undefined) {
    return `sudo ${sudoFlags(options.sudoMode)} sh -c ${quote(inner)}`;
  }
  return inner;
}

// Builds the remote command line for sudo / runAs / env, so privilege changes are the same
// for every step and every value is quoted. The sudo password never appears here: it goes
// to sudo's stdin (`-S -p ''`) or, with a PTY, answers sudo's own prompt.
import { exportEnv, quote } from '../../util/shell.js';

/** How sudo gets its password on this connection. */
export type SudoMode =
  | 'nopasswd' // `sudo -n`: fail instead of asking
  | 'stdin' // `sudo -S -p ''`: the password is the first line of stdin
  | 'pty'; // sudo asks on the PTY with SUDO_PROMPT, the exec answers it

/** The prompt sudo prints in 'pty' mode; matched by an internal answer. */
export const SUDO_PROMPT = '[podsec-play] sudo password: ';

export interface WrapOptions {
  env?: Record<string, string>;
  /** Run through sudo (ignored when the login user is root). */
  sudo: boolean;
  runAs?: string;
  loginUser: string;
  sudoMode: SudoMode;
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
  const inner = `${exportEnv(options.env)}${command}`;
  const { runAs, loginUser } = options;
  if (runAs !== undefined && runAs !== loginUser) {
    if (loginUser === 'root') return `su -s /bin/sh ${quote(runAs)} -c ${quote(inner)}`;
    return `sudo ${sudoFlags(options.sudoMode)} -u ${quote(runAs)} -H sh -c ${quote(inner)}`;
  }
  if (options.sudo && loginUser !== 'root' && runAs === undefined) {
    return `sudo ${sudoFlags(options.sudoMode)} sh -c ${quote(inner)}`;
  }
  return inner;
}

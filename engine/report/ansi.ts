// Colour only when asked for, and never let a remote command's escape codes reach our output:
// plain lines must stay free of escapes unless --color is given.

const ANSI_PATTERN = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const CONTROL_PATTERN = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Remove terminal escape sequences only (newlines, tabs and other text stay). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/** Remove escape sequences and control characters (tabs become spaces; newlines are kept). */
export function cleanText(text: string): string {
  return text.replace(ANSI_PATTERN, '').replace(/\t/g, '  ').replace(/\r\n/g, '\n').replace(CONTROL_PATTERN, '');
}

/** One display line: cleaned, newlines folded into ` ⏎ `. */
export function cleanLine(text: string): string {
  return cleanText(text).replace(/\n+/g, ' ⏎ ').trim();
}

export interface Paint {
  enabled: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

function sgr(open: number, close: number, enabled: boolean): (s: string) => string {
  return enabled ? (s) => `\x1b[${open}m${s}\x1b[${close}m` : (s) => s;
}

export function makePaint(enabled: boolean): Paint {
  return {
    enabled,
    red: sgr(31, 39, enabled),
    green: sgr(32, 39, enabled),
    yellow: sgr(33, 39, enabled),
    cyan: sgr(36, 39, enabled),
    dim: sgr(2, 22, enabled),
    bold: sgr(1, 22, enabled),
  };
}

/** Colour by default only on a terminal, and never when NO_COLOR is set; an explicit choice wins. */
export function wantColor(explicit: boolean | undefined, isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (explicit !== undefined) return explicit;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}

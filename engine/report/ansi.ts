// Colour only when asked for, and never let a remote command's escape codes reach our output:
// plain lines must stay free of escapes unless --color is given. Node's own util does the escape
// handling (stripVTControlCharacters, styleText); this module decides when and what is left over.
import { stripVTControlCharacters, styleText } from 'node:util';

// C0/C1 control characters other than \n (escape sequences are gone by the time this applies).
const CONTROL_PATTERN = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Remove terminal escape sequences only (newlines, tabs and other text stay). */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text);
}

/** Remove escape sequences and control characters (tabs become spaces; newlines are kept). */
export function cleanText(text: string): string {
  return stripVTControlCharacters(text).replace(/\t/g, '  ').replace(/\r\n/g, '\n').replace(CONTROL_PATTERN, '');
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

type Style = Parameters<typeof styleText>[0];

// The choice of colour is made once (wantColor), so the stream check styleText would do is off.
function style(format: Style, enabled: boolean): (s: string) => string {
  return enabled ? (s) => styleText(format, s, { validateStream: false }) : (s) => s;
}

export function makePaint(enabled: boolean): Paint {
  return {
    enabled,
    red: style('red', enabled),
    green: style('green', enabled),
    yellow: style('yellow', enabled),
    cyan: style('cyan', enabled),
    dim: style('dim', enabled),
    bold: style('bold', enabled),
  };
}

/** Colour by default only on a terminal, and never when NO_COLOR is set; an explicit choice wins. */
export function wantColor(explicit: boolean | undefined, isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (explicit !== undefined) return explicit;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}

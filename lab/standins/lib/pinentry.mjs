// pinentry-curses as gpg-agent starts it for a terminal: a full-screen dialog on the alternate
// screen (box drawn with the DEC line-drawing characters, text from gpg-agent, the cursor left in
// the entry field), one line of input, then the screen restored — not a `Passphrase:` line. Like
// the real one it needs a terminal whose TERM has cursor addressing: on `dumb` the box comes out
// as one run-on line (and the dialog cannot be read off the screen).
import { out } from './main.mjs';
import { ask, requireTerminal } from './prompt.mjs';
import { t } from './i18n.mjs';

const CURSES_TERMS = /^(xterm|screen|tmux|vt1\d\d|vt2\d\d|linux|rxvt|ansi|konsole|gnome|putty)/;

function size() {
  const cols = Number(process.env.COLUMNS) || 80;
  const rows = Number(process.env.LINES) || 24;
  return { cols, rows };
}

const at = (row, col) => `\u001b[${row};${col}H`;
const ACS_ON = '\u001b(0';
const ACS_OFF = '\u001b(B';

/** Draw a dialog and read one line. `lines`: description lines; `field`: the entry label, or
 * undefined for a dialog with buttons only (the cursor then sits on the first button). */
async function dialog({ lines, field, buttons }) {
  requireTerminal('gpg: agent_genkey failed: No pinentry');
  const term = process.env.TERM ?? '';
  const inner = 56;
  const body = [...lines, '', ...(field ? [`${field} ${'_'.repeat(Math.max(8, inner - field.length - 2))}`, ''] : []), buttons];
  if (!CURSES_TERMS.test(term)) {
    // No cursor addressing: everything on one line, as pinentry-curses draws on a dumb terminal.
    out(`┌${'─'.repeat(inner)}┐${body.map((l) => `│ ${l.padEnd(inner - 2)} │`).join('')}└${'─'.repeat(inner)}┘`);
    return ask('');
  }
  const { cols, rows } = size();
  const width = inner + 2;
  const left = Math.max(1, Math.floor((cols - width) / 2) + 1);
  const top = Math.max(1, Math.floor((rows - (body.length + 2)) / 2) + 1);
  let screen = '\u001b[?1049h\u001b[H\u001b[2J';
  screen += `${at(top, left)}${ACS_ON}l${'q'.repeat(inner)}k${ACS_OFF}`;
  body.forEach((l, i) => {
    screen += `${at(top + 1 + i, left)}${ACS_ON}x${ACS_OFF} ${l.padEnd(inner - 2)} ${ACS_ON}x${ACS_OFF}`;
  });
  screen += `${at(top + 1 + body.length, left)}${ACS_ON}m${'q'.repeat(inner)}j${ACS_OFF}`;
  const fieldRow = field ? top + 1 + lines.length + 1 : top + body.length;
  const fieldCol = field ? left + 2 + [...field].length + 1 : left + 2;
  screen += at(fieldRow, fieldCol);
  out(screen);
  const answer = await ask('');
  out('\u001b[?1049l');
  return answer;
}

const split = (text) => text.split(/%0A|\n/);

/** Ask a passphrase: gpg-agent's description (may hold %0A), an optional error line above it. */
export function askPassphrase(description, error) {
  return dialog({ lines: [...(error ? [error] : []), ...split(description)], field: t('Passphrase:'), buttons: `       <OK>                         ${t('<Cancel>')}` });
}

/** gpg-agent's warning about a weak new passphrase (a dialog without an entry field). */
export function confirmWeak(text) {
  return dialog({ lines: split(text), buttons: '<Take this one anyway>   <Enter new passphrase>' });
}

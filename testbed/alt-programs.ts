// Real programs under ALT's names and manners on a testbed node, where the host is Debian: ALT
// calls GnuPG `gpg2` (Debian has only `gpg`), and ALT's su keeps the caller's terminal for
// `su - -c CMD` (podsec-create-imagemakeruser runs gpg2's dialog through it; podsec-play signs as
// the image maker with it), while Debian's util-linux su starts the command in a new session
// without one (`gpg: cannot open '/dev/tty'`). These go into DIR/bin, laid over /usr/local/bin.
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The host's su, asked to keep the session (--session-command) where a caller says -c. */
export function suKeepingTerminal(realSu: string): string {
  return [
    '#!/bin/sh',
    "# podsec-play testbed: the host's su, keeping the terminal for -c like ALT's su does",
    'for a; do',
    '  shift',
    '  case $a in',
    '    -c) set -- "$@" --session-command ;;',
    '    --command=*) set -- "$@" "--session-command=${a#--command=}" ;;',
    '    *) set -- "$@" "$a" ;;',
    '  esac',
    'done',
    `exec ${realSu} "$@"`,
    '',
  ].join('\n');
}

export function addAltPrograms(binDir: string, programs: { gpg: string; su: string }): void {
  symlinkSync(programs.gpg, join(binDir, 'gpg2'));
  writeFileSync(join(binDir, 'su'), suKeepingTerminal(programs.su), { mode: 0o755 });
}

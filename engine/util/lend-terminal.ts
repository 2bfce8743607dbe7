// A shell prefix that lends the session's terminal to another user (or group) for one command.
// After `su`, the terminal is still the login's (crw--w---- root tty: sshd made it for root), so
// a program of the target user that opens it by name — pinentry, asking gpg-agent's passphrase —
// fails: `gpg: agent_genkey failed: Permission denied`, `signing failed: Permission denied`.
// Seen on the testbed with the real programs (util-linux su, GnuPG 2.2.40, pinentry-curses);
// PODSEC-FACTS had left open whether pinentry can open the terminal after su. The owner (or the
// group and mode) come back when the command's shell exits; without a terminal it does nothing.
import { quote } from './shell.js';

export function lendTerminal(to: { user: string } | { group: string }): string {
  if ('user' in to) {
    return `t=$(tty 2>/dev/null) && o=$(stat -c %u "$t") && chown ${quote(to.user)} "$t" && trap 'chown "$o" "$t"' EXIT; `;
  }
  return `t=$(tty 2>/dev/null) && g=$(stat -c %g "$t") && m=$(stat -c %a "$t") && chgrp ${quote(to.group)} "$t" && chmod g+rw "$t" && trap 'chgrp "$g" "$t"; chmod "$m" "$t"' EXIT; `;
}

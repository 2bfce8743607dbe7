// Questions on the terminal: the prompt goes to stdout without a newline (like the real
// programs), the answer is the next line of stdin. No echo: every answer may be a secret.
import { onTerminal } from './env.mjs';
import { fail } from './main.mjs';

let buffered = '';
let ended = false;
const waiting = [];

function pump() {
  while (waiting.length) {
    const nl = buffered.indexOf('\n');
    if (nl < 0 && !ended) return;
    const resolve = waiting.shift();
    if (nl < 0) {
      const rest = buffered;
      buffered = '';
      resolve(rest.length ? rest : null);
    } else {
      const line = buffered.slice(0, nl).replace(/\r$/, '');
      buffered = buffered.slice(nl + 1);
      resolve(line);
    }
  }
  process.stdin.pause();
}

let listening = false;
function listen() {
  if (listening) return;
  listening = true;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => {
    buffered += d;
    pump();
  });
  process.stdin.on('end', () => {
    ended = true;
    pump();
  });
}

/** Print `question`, wait for one line; null when stdin ends first. */
export function ask(question) {
  process.stdout.write(question);
  listen();
  return new Promise((resolve) => {
    waiting.push(resolve);
    process.stdin.resume();
    pump();
  });
}

/** Programs that insist on a terminal (passwd, pinentry) fail without a pty, like the real ones. */
export function requireTerminal(message) {
  if (!onTerminal()) fail(message);
}

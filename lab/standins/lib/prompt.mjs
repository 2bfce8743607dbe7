// Questions on the terminal: the prompt goes to stdout without a newline (like the real
// programs), the answer is the next line of stdin. No echo: every answer may be a secret (on a
// real terminal, a testbed node's pty, echo is turned off like passwd and pinentry do).
import { spawnSync } from 'node:child_process';
import { onTerminal } from './env.mjs';
import { fail } from './main.mjs';

let echoOff = false;
function quietTerminal() {
  if (echoOff || !process.stdin.isTTY) return;
  echoOff = spawnSync('stty', ['-echo'], { stdio: ['inherit', 'ignore', 'ignore'] }).status === 0;
  if (echoOff) process.on('exit', () => spawnSync('stty', ['echo'], { stdio: ['inherit', 'ignore', 'ignore'] }));
}

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
      if (echoOff) process.stdout.write('\n'); // the newline the terminal did not echo
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
  quietTerminal();
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

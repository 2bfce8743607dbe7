// Replays a recorded event sequence through the compiled reporters in a real terminal (the TUI
// test runs this under tmux). Usage: node tui-replay.mjs EVENTS.json LOGFILE CONTROL_DIR [PAUSE_INDEX...]
// The script drives its own timers: fixture time is compressed (gaps scaled down, each capped), and
// after each PAUSE_INDEX event it waits until CONTROL_DIR/go-INDEX exists, so a test can look at
// the screen at that moment without racing a clock. Every time stamp is moved to the real clock.
// With REPLAY_STRAY set, that text is printed with console.log at each pause (a stray writer);
// with REPLAY_EXIT_AT=N the process exits right after event N, without closing the reporters.
/* global process, setTimeout, console, URL */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [eventsFile, logFile, controlDir, ...pauses] = process.argv.slice(2);
const { createReporters } = await import(new URL('../../dist/engine/report/index.js', import.meta.url).href);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const pauseAt = new Set(pauses.map(Number));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForGo(index) {
  const file = join(controlDir, `go-${index}`);
  for (let i = 0; i < 600 && !existsSync(file); i++) await sleep(50); // gives up after 30 s
}

const reporter = createReporters({ mode: 'auto', logFile });
const first = Date.parse(events[0].ts);
let shift = Date.now() - first;
let previous = first;
for (const [index, original] of events.entries()) {
  const at = Date.parse(original.ts);
  const gap = Math.min(Math.max(0, at - previous) / 20, 150);
  previous = at;
  await sleep(gap);
  shift = Date.now() - at;
  const event = { ...original, ts: new Date(at + shift).toISOString() };
  if (event.type === 'step.retrying') event.nextAttemptAt = new Date(Date.now() + event.delayMs).toISOString();
  reporter.onEvent(event);
  if (Number(process.env.REPLAY_EXIT_AT) === index) {
    console.error('REPLAY EXIT'); // like a second Ctrl-C: leave at once, without close()
    process.exit(130);
  }
  if (pauseAt.has(index)) {
    // Someone else writing to the terminal mid-run: the TUI must hold it back until it ends.
    if (process.env.REPLAY_STRAY) console.log(process.env.REPLAY_STRAY);
    await waitForGo(index);
  }
}
await reporter.close();
console.log('REPLAY DONE');

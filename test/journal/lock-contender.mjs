// A contender for the lock race test. For each "STATEFILE GOFILE" line on stdin it answers
// "armed", spins until GOFILE exists (so that two contenders start within microseconds of each
// other), tries the lock, and answers "acquired" or "locked CODE"; it holds what it acquired
// until stdin closes.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { createInterface } from 'node:readline';
const { StateLock } = await import(process.argv[2]);
const held = [];
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (!line) continue;
  const [state, go] = line.split(' ');
  process.stdout.write('armed\n');
  while (!existsSync(go)) {
    // spin: the release must not wait for a timer or an event loop turn
  }
  try {
    held.push(StateLock.acquire(state, `run-${process.pid}`));
    process.stdout.write('acquired\n');
  } catch (err) {
    process.stdout.write(`locked ${err.code ?? err.message}\n`);
  }
}
for (const l of held) l.release();

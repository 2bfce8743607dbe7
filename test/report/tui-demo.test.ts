// The demo as an admin sees it in an 80×24 terminal (tmux, with `script` recording every byte the
// CLI writes): the running phase's header is on the screen mid-run, and the whole run costs a
// bounded number of bytes and draws — at most ~10 a second, only when something changed.
// (Before the TUI was rewritten: ~56 draws a second, ~720–930 KB for the demo.)
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { command } from '../../engine/util/shell.js';
import { CLI } from '../helpers/cli.js';
import { Terminal } from './terminal.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Upper bounds, well above what a run measures (about 30 KB and 4 draws a second), well below before. */
const MAX_BYTES = 150_000;
const MAX_DRAWS_PER_SECOND = 10;

it('the demo in an 80×24 terminal: the current phase stays visible; bytes and redraws are bounded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podsec-tui-demo-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const record = join(dir, 'tty.bytes');
  const demo = command(process.execPath, CLI, 'demo', '--dir', join(dir, 'lab'));
  const started = Date.now();
  const term = await Terminal.start(`script -q -e -c ${command(demo)} ${command(record)}; echo "EXIT=$?"`, 80, 24);
  cleanups.push(() => term.stop());

  for (const phase of ['master', 'control-planes', 'seal']) {
    const frame = await term.waitFor(new RegExp(`^❯ ${phase} · \\d+ hosts? · \\d+s$`, 'm'), { tries: 1200 });
    const lines = frame.replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    // the header is on the screen together with what runs under it
    const at = lines.findIndex((l) => l.startsWith(`❯ ${phase} · `));
    expect(lines.slice(at + 1).some((l) => /^ {2}❯ \S+ · step \d+\/\d+ · \d+s$/.test(l)), frame).toBe(true);
  }
  const end = await term.waitFor(/EXIT=\d+/, { history: true, tries: 1200 });
  const seconds = (Date.now() - started) / 1000;
  expect(end).toContain('EXIT=0');
  expect(end).toContain('SSH sealed:         8 of 8');

  const bytes = readFileSync(record);
  // Each draw of a frame taller than one line starts by moving the cursor up to its top.
  const draws = bytes.toString('latin1').match(/\x1b\[\d+A/g)?.length ?? 0;
  console.log(`demo at 80×24: ${bytes.length} bytes, ${draws} draws in ${seconds.toFixed(1)} s`);
  expect(bytes.length).toBeLessThan(MAX_BYTES);
  expect(draws).toBeLessThanOrEqual(Math.ceil(seconds * MAX_DRAWS_PER_SECOND));
  expect(draws).toBeGreaterThan(5);
}, 120_000);

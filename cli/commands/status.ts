// `podsec-play status`: the saved state as a table (or JSON): per host, done / failed /
// pending steps, when, attempts; secrets masked.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, PlayError } from '../../engine/errors.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { STATE_DIR } from '../paths.js';

const usage = `Usage: podsec-play status [--state FILE] [--json]

Prints the saved state of a run: per host, the steps done, failed and pending, when, and
attempts. Without --state, every state under .podsec-play/ in this directory is shown.
Secret outputs are never printed.

Options:
      --state FILE   the state file to show
      --json         as JSON
  -h, --help         this help`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the saved state of runs (per host: done, failed, pending)',
  help: usage,
  async run(args) {
    const { values } = parse(args, { state: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const files = values.state ? [resolve(values.state)] : listStateFiles();
    if (files.length === 0) throw new PlayError(`no saved state under ${STATE_DIR}/ here (pass --state FILE)`, { code: 'E_USAGE' });
    const [{ readJournal }, { formatStatus }] = await Promise.all([import('../../engine/journal/journal.js'), import('../../engine/report/status-table.js')]);
    const json = values.json === true;
    const { isAlive } = await import('../../engine/util/process.js');
    let code: number = EXIT.ok;
    const parts: string[] = [];
    for (const file of files) {
      try {
        const state = readJournal(file);
        // A run whose process is gone (kill -9, a crash; a zombie, or its pid now another
        // process's) is shown as interrupted, not running.
        for (const run of state.runs) if (run.outcome === 'running' && !isAlive(run.pid, run.pidStart)) run.outcome = 'interrupted';
        parts.push(formatStatus(state, { json }));
      } catch (err) {
        // One damaged state does not hide the others; it is reported and the exit code says so.
        code = EXIT.invalid;
        process.stderr.write(`podsec-play: ${(err as Error).message}\n`);
      }
    }
    // --state FILE prints one object; listing the directory always prints an array.
    if (json) process.stdout.write(values.state ? `${parts[0] ?? '{}'}\n` : `[${parts.join(',\n')}]\n`);
    else if (parts.length) process.stdout.write(parts.join('\n').replace(/\n?$/, '\n'));
    return code;
  },
};

function listStateFiles(): string[] {
  const dir = resolve(STATE_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.state.json'))
    .sort()
    .map((f) => join(dir, f));
}

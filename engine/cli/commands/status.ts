// `podsec-play status`: the saved state as a table (or JSON): per host, done / failed /
// pending steps, when, attempts; secrets masked.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, PlayError } from '../../errors.js';
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
    const [{ readJournal }, { formatStatus }] = await Promise.all([import('../../journal/journal.js'), import('../../report/status-table.js')]);
    const json = values.json === true;
    const parts = files.map((file) => formatStatus(readJournal(file), { json }));
    process.stdout.write(json && parts.length > 1 ? `[${parts.join(',\n')}]\n` : parts.join('\n').replace(/\n?$/, '\n'));
    return EXIT.ok;
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

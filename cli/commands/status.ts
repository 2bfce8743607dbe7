// `podsec-play status`: the saved state as a table (or JSON, schemas/status.schema.json): per
// host, done / failed / pending steps, when, attempts; secrets masked. The exit code tells a
// pipeline how the last run ended (0 succeeded, 1 failed, 130 interrupted, 3 still running).
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, PlayError } from '../../engine/errors.js';
import type { RunRecord } from '../../engine/journal/types.js';
import { exits, newCommand, type Command } from '../command.js';
import { STATE_DIR, isStateOf, stateDirFor } from '../paths.js';

interface StatusFlags {
  state?: string;
  inventory?: string;
  json?: boolean;
}

export function statusCommand(): Command {
  return newCommand('status')
    .summary('show the saved state of runs (per host: done, failed, pending)')
    .description(
      'Prints the saved state of a run: per host, the steps done, failed and pending, when, and attempts. With -i, the states of every playbook run against that inventory (they live in .podsec-play/ beside it); without -i or --state, every state under .podsec-play/ here. Secret outputs are never printed.',
    )
    .option('--state <file>', 'the state file to show')
    .option('-i, --inventory <file>', 'the states kept beside this inventory')
    .option('--json', 'as JSON (schemas/status.schema.json): one object with --state, otherwise an array')
    .addHelpText(
      'after',
      '\nExit codes (of the last run of every state shown): 0 succeeded, 1 a run failed, 130 interrupted (or its process died), 3 a run is still going, 2 no state or a damaged one.',
    )
    .action(exits(showStatus));
}

async function showStatus(flags: StatusFlags): Promise<number> {
  const files = stateFiles(flags);
  const [{ readJournal }, { formatStatus, statusJson }, { isAlive }] = await Promise.all([
    import('../../engine/journal/journal.js'),
    import('../../engine/report/status-table.js'),
    import('../../engine/util/process.js'),
  ]);
  let code: number = EXIT.ok;
  const parts: string[] = [];
  const outcomes: RunRecord['outcome'][] = [];
  for (const file of files) {
    try {
      const state = readJournal(file);
      // A run whose process is gone (kill -9, a crash; a zombie, or its pid now another
      // process's) is shown as interrupted, not running.
      for (const run of state.runs) if (run.outcome === 'running' && !isAlive(run.pid, run.pidStart)) run.outcome = 'interrupted';
      const last = state.runs[state.runs.length - 1];
      if (last) outcomes.push(last.outcome);
      parts.push(flags.json ? statusJson(state, file) : formatStatus(state));
    } catch (err) {
      // One damaged state does not hide the others; it is reported and the exit code says so.
      code = EXIT.invalid;
      process.stderr.write(`podsec-play: ${(err as Error).message}\n`);
    }
  }
  // --state FILE prints one object; listing a directory always prints an array.
  if (flags.json) process.stdout.write(flags.state ? `${parts[0] ?? '{}'}\n` : `[${parts.join(',\n')}]\n`);
  else if (parts.length) process.stdout.write(parts.join('\n').replace(/\n?$/, '\n'));
  return code === EXIT.invalid ? code : exitForOutcomes(outcomes);
}

/** The most telling outcome wins: a failure, then an interruption, then a run still going. */
export function exitForOutcomes(outcomes: RunRecord['outcome'][]): number {
  if (outcomes.includes('failed')) return EXIT.stepFailed;
  if (outcomes.includes('interrupted')) return EXIT.interrupted;
  if (outcomes.includes('running')) return EXIT.locked;
  return EXIT.ok;
}

function stateFiles(flags: StatusFlags): string[] {
  if (flags.state) return [resolve(flags.state)];
  const dir = flags.inventory ? stateDirFor(flags.inventory) : resolve(STATE_DIR);
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => (flags.inventory ? isStateOf(f, flags.inventory) : f.endsWith('.state.json')))
        .sort()
        .map((f) => join(dir, f))
    : [];
  if (files.length === 0) {
    const where = flags.inventory ? `for ${flags.inventory} in ${dir}` : `under ${STATE_DIR}/ here`;
    throw new PlayError(`no saved state ${where} (pass -i INVENTORY or --state FILE)`, { code: 'E_USAGE' });
  }
  return files;
}

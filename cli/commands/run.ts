// `podsec-play run`: validate, plan, then run the plan with the journal, the transports and
// the reporters; Ctrl-C / SIGTERM stop cleanly and the same command resumes.
import { resolve } from 'node:path';
import { parse, usageError } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: podsec-play run PLAYBOOK -i INVENTORY [options]

Runs the playbook against the inventory's hosts. Finished steps are journaled: run the same
command again after a failure, Ctrl-C or a lost connection and it resumes where it stopped.

Options:
  -i, --inventory FILE      inventory YAML (required)
      --state FILE          state (journal) file; default .podsec-play/PLAYBOOK.INVENTORY.state.json
      --fresh               forget the saved state and start over (steps already in place are
                            still found by their checks)
      --json                one JSON object per event on stdout (schemas/events.schema.json)
      --plain               plain lines even on a terminal
      --quiet               errors only
      --color               colour in plain mode even when stdout is not a terminal
      --junit FILE          write a JUnit XML report (one test case per host × step)
      --log-file FILE       the detailed log; default .podsec-play/logs/PLAYBOOK-RUNID.log
      --accept-new-host-keys  trust and record SSH host keys not yet in known_hosts
                            (a changed key is always refused)
      --keep-ssh            never turn SSH off (disable-ssh steps leave it on)
      --skip-check CHECK    do not let this preflight check stop the run: ID on every host, or
                            HOST/ID (repeatable; see podsec-play preflight for the ids)
  -h, --help                this help

Exit codes: 0 success, 1 a step failed (state saved, resumable), 2 invalid input or usage,
3 the state is locked by another run, 130 interrupted (state saved, resumable).`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run a playbook against an inventory (resumable)',
  help: usage,
  async run(args) {
    const { values, positionals } = parse(
      args,
      {
        inventory: { type: 'string', short: 'i' },
        state: { type: 'string' },
        fresh: { type: 'boolean' },
        json: { type: 'boolean' },
        plain: { type: 'boolean' },
        quiet: { type: 'boolean' },
        color: { type: 'boolean' },
        junit: { type: 'string' },
        'log-file': { type: 'string' },
        'accept-new-host-keys': { type: 'boolean' },
        'keep-ssh': { type: 'boolean' },
        'skip-check': { type: 'string', multiple: true },
      },
      usage,
    );
    if (positionals.length !== 1) throw usageError('run takes exactly one PLAYBOOK', usage);
    if (!values.inventory) throw usageError('run needs an inventory: -i INVENTORY', usage);
    // Loaded on demand: `--help` and the other commands start without xstate, ssh2 or listr2.
    const { runPlaybook } = await import('../run-playbook.js');
    return runPlaybook({
      playbookFile: resolve(positionals[0]!),
      inventoryFile: resolve(values.inventory),
      ...(values.state ? { stateFile: resolve(values.state) } : {}),
      ...(values['log-file'] ? { logFile: resolve(values['log-file']) } : {}),
      ...(values.junit ? { junitFile: resolve(values.junit) } : {}),
      fresh: values.fresh === true,
      mode: values.json ? 'json' : values.quiet ? 'quiet' : values.plain ? 'plain' : 'auto',
      color: values.color === true,
      acceptNewHostKeys: values['accept-new-host-keys'] === true,
      keepSsh: values['keep-ssh'] === true,
      skipChecks: values['skip-check'] ?? [],
    });
  },
};

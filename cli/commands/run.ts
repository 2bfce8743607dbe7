// `podsec-play run`: validate, plan, then run the plan with the journal, the transports and
// the reporters; Ctrl-C / SIGTERM stop cleanly and the same command resumes.
import { resolve } from 'node:path';
import { exits, newCommand, type Command } from '../command.js';
import { junitTarget, reporterMode } from '../output-options.js';

export interface RunFlags {
  inventory: string;
  state?: string;
  fresh?: boolean;
  json?: boolean;
  plain?: boolean;
  quiet?: boolean;
  color?: boolean;
  junit?: string;
  logFile?: string;
  acceptNewHostKeys?: boolean;
  keepSsh?: boolean;
  kubeconfig?: string;
  skipCheck?: string[];
}

export function runCommand(): Command {
  return newCommand('run')
    .summary('run a playbook against an inventory (resumable)')
    .description(
      'Runs the playbook against the inventory’s hosts. Finished steps are journaled: run the same command again after a failure, Ctrl-C or a lost connection and it resumes where it stopped.',
    )
    .argument('<playbook>', 'playbook YAML')
    .requiredOption('-i, --inventory <file>', 'inventory YAML (required)')
    .option('--state <file>', 'state (journal) file; default .podsec-play/PLAYBOOK.INVENTORY.state.json beside the inventory')
    .option('--fresh', 'forget the saved state and start over (steps already in place are still found by their checks)')
    .option('--json', 'one JSON object per event on stdout (schemas/events.schema.json)')
    .option('--plain', 'plain lines even on a terminal')
    .option('--quiet', 'errors only')
    .option('--color', 'colour in plain mode even when stdout is not a terminal')
    .option('--junit <file>', 'write a JUnit XML report (one test case per host × step); "-" for stdout with --quiet')
    .option('--log-file <file>', 'the detailed log; default .podsec-play/logs/PLAYBOOK-RUNID.log beside the inventory')
    .option('--accept-new-host-keys', 'trust and record SSH host keys not yet in known_hosts (a changed key is always refused)')
    .option('--keep-ssh', 'never turn SSH off (disable-ssh steps leave it on)')
    .option('--kubeconfig <file>', "where the cluster's admin kubeconfig is written before the seal and read by day-2 runs; default the inventory's cluster.kubeconfig, else CLUSTER-NAME.kubeconfig beside the inventory")
    .option('--skip-check <check>', 'do not let this preflight check stop the run: ID on every host, or HOST/ID (repeatable; podsec-play preflight shows the ids)', collect, [] as string[])
    .addHelpText(
      'after',
      '\nBefore its first change the run gathers every host\'s facts and runs the checks the steps declare (as podsec-play preflight does); a failed check stops it with nothing changed.\n\nExit codes: 0 success, 1 a step or a preflight check failed (state saved, resumable), 2 invalid input or usage, or a step that needs SSH on a host an earlier run sealed, 3 the state is locked by another run, 130 interrupted (state saved, resumable).',
    )
    .action(
      exits(async (playbook: string, flags: RunFlags) => {
        const mode = reporterMode(flags);
        const junit = junitTarget(flags.junit, mode);
        // Loaded on demand: `--help` and the other commands start without xstate, ssh2 or the reporters.
        const { runPlaybook } = await import('../run-playbook.js');
        return runPlaybook({
          playbookFile: resolve(playbook),
          inventoryFile: resolve(flags.inventory),
          ...(flags.state ? { stateFile: resolve(flags.state) } : {}),
          ...(flags.logFile ? { logFile: resolve(flags.logFile) } : {}),
          ...junit,
          fresh: flags.fresh === true,
          mode,
          color: flags.color === true,
          acceptNewHostKeys: flags.acceptNewHostKeys === true,
          keepSsh: flags.keepSsh === true,
          ...(flags.kubeconfig ? { kubeconfigFile: resolve(flags.kubeconfig) } : {}),
          skipChecks: flags.skipCheck ?? [],
        });
      }),
    );
}

/** Repeatable options: every occurrence kept, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

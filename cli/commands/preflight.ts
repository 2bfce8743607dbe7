// `podsec-play preflight`: know the hosts before touching them — facts from every host, every
// check the playbook's steps declare, one table (or --json), exit 0 when all pass, 1 otherwise.
// Changes nothing on any host; `run` does the same checks before its first change.
import { resolve } from 'node:path';
import { EXIT } from '../../engine/errors.js';
import { exits, newCommand, usageError, type Command } from '../command.js';
import { collect } from './run.js';

interface PreflightFlags {
  inventory?: string;
  state?: string;
  json?: boolean;
  color?: boolean;
  acceptNewHostKeys?: boolean;
  showScript?: boolean;
  skipCheck?: string[];
}

export function preflightCommand(): Command {
  return newCommand('preflight')
    .summary('check every host before a run, changing nothing: facts, ports, swap, clock, VIP, …')
    .description(
      'Gathers facts from every host that still has work in the playbook (OS release and platform, kernel, packages, interfaces and routes, listening ports, swap, cgroups, clock, disk, package mirrors), all hosts at once, one round trip each, and runs every check the playbook’s steps declare (ports free, swap off, the VIP in the load balancers’ subnet, unique hostnames, …). Prints one table: host × check, ok or FAILED with the reason and the fix. Nothing is changed on any host, nor in the saved state. `run` performs the same checks first and stops before its first change when one fails. Steps the saved state has as finished are not checked.',
    )
    .argument('[playbook]', 'playbook YAML')
    .option('-i, --inventory <file>', 'inventory YAML (required)')
    .option('--state <file>', 'the saved state of earlier runs (default as for run)')
    .option('--json', 'one JSON document: the results and every host’s facts (for CI)')
    .option('--color', 'colour even when stdout is not a terminal')
    .option('--accept-new-host-keys', 'trust and record SSH host keys not yet in known_hosts (a changed key is always refused)')
    .option('--skip-check <check>', 'report this check as skipped instead of failed: ID on every host, or HOST/ID (repeatable; run takes the same option)', collect, [] as string[])
    .option('--show-script', 'print the read-only facts script (to run by hand on a host) and exit')
    .addHelpText('after', '\nExit codes: 0 every check passed, 1 a check failed, 2 invalid input or usage, 130 interrupted.')
    .action(
      exits(async (playbook: string | undefined, flags: PreflightFlags) => {
        if (flags.showScript) {
          const [{ factsScript }, { stepKinds }] = await Promise.all([import('../../engine/facts/script.js'), import('../../steps/index.js')]);
          const paths = [...new Set(stepKinds.flatMap((k) => (k.preflight ?? []).flatMap((c) => [...(c.needs?.paths ?? [])])))].sort();
          process.stdout.write(factsScript({ internalAddress: '', apt: true, paths }) + '\n');
          return EXIT.ok;
        }
        if (playbook === undefined) throw usageError("missing required argument 'playbook'");
        if (flags.inventory === undefined) throw usageError("required option '-i, --inventory <file>' not specified");
        // Loaded on demand: `--help` and the other commands start without ssh2.
        const { preflight } = await import('../preflight.js');
        return preflight({
          playbookFile: resolve(playbook),
          inventoryFile: resolve(flags.inventory),
          ...(flags.state ? { stateFile: resolve(flags.state) } : {}),
          json: flags.json === true,
          color: flags.color === true,
          acceptNewHostKeys: flags.acceptNewHostKeys === true,
          skipChecks: flags.skipCheck ?? [],
        });
      }),
    );
}

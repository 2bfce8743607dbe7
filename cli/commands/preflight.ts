// `podsec-play preflight`: know the hosts before touching them — facts from every host, every
// check the playbook's steps declare, one table (or --json), exit 0 when all pass, 1 otherwise.
// Changes nothing on any host; `run` does the same checks before its first change.
import { resolve } from 'node:path';
import { EXIT } from '../../engine/errors.js';
import { parse, usageError } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: podsec-play preflight PLAYBOOK -i INVENTORY [options]

Gathers facts from every host that still has work in the playbook (OS release and platform,
kernel, packages, interfaces and routes, listening ports, swap, cgroups, clock, disk, package
mirrors), all hosts at once, one round trip each, and runs every check the playbook's steps
declare (ports free, swap off, the VIP in the load balancers' subnet, unique hostnames, …).
Prints one table: host × check, ok or FAILED with the reason and the fix. Nothing is changed on
any host. \`run\` performs the same checks first and stops before its first change when one fails.
Steps the saved state has as finished are not checked (their hosts are left alone).

Options:
  -i, --inventory FILE      inventory YAML (required)
      --state FILE          the saved state of earlier runs (default as for run)
      --json                one JSON document: results and every host's facts (for CI)
      --color               colour even when stdout is not a terminal
      --accept-new-host-keys  trust and record SSH host keys not yet in known_hosts
      --skip-check CHECK    report this check as skipped instead of failing: ID on every host,
                            or HOST/ID (repeatable; run takes the same option)
      --show-script         print the read-only facts script (run it by hand on a host) and exit
  -h, --help                this help

Exit codes: 0 every check passed, 1 a check failed, 2 invalid input or usage, 130 interrupted.`;

export const preflightCommand: Command = {
  name: 'preflight',
  summary: 'check every host before a run (read-only): facts, ports, swap, clock, VIP, …',
  help: usage,
  async run(args) {
    const { values, positionals } = parse(
      args,
      {
        inventory: { type: 'string', short: 'i' },
        state: { type: 'string' },
        json: { type: 'boolean' },
        color: { type: 'boolean' },
        'accept-new-host-keys': { type: 'boolean' },
        'show-script': { type: 'boolean' },
        'skip-check': { type: 'string', multiple: true },
      },
      usage,
    );
    if (values['show-script']) {
      const [{ factsScript }, { stepKinds }] = await Promise.all([import('../../engine/facts/script.js'), import('../../steps/index.js')]);
      const paths = [...new Set(stepKinds.flatMap((k) => (k.preflight ?? []).flatMap((c) => [...(c.needs?.paths ?? [])])))].sort();
      process.stdout.write(factsScript({ internalAddress: '', apt: true, paths }) + '\n');
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw usageError('preflight takes exactly one PLAYBOOK', usage);
    if (!values.inventory) throw usageError('preflight needs an inventory: -i INVENTORY', usage);
    const { preflight } = await import('../preflight.js');
    return preflight({
      playbookFile: resolve(positionals[0]!),
      inventoryFile: resolve(values.inventory),
      ...(values.state ? { stateFile: resolve(values.state) } : {}),
      json: values.json === true,
      color: values.color === true,
      acceptNewHostKeys: values['accept-new-host-keys'] === true,
      skipChecks: values['skip-check'] ?? [],
    });
  },
};

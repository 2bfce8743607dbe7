// `podsec-play run`: validate, plan, then run the plan with the journal, the transports and
// the reporters; Ctrl-C / SIGTERM stop cleanly and the same command resumes.
import { dirname, resolve } from 'node:path';
import { EXIT } from '../../errors.js';
import { EventBus } from '../../events/bus.js';
import { Journal } from '../../journal/journal.js';
import { SealRegistry } from '../../journal/seal-registry.js';
import { createReporters } from '../../report/index.js';
import { executePlan } from '../../run/runner.js';
import { Masker } from '../../secrets/masker.js';
import { openSsh } from '../../transport/open-ssh.js';
import { TransportPool } from '../../transport/pool.js';
import { findStepKind } from '../../../steps/index.js';
import { parse, usageError } from '../args.js';
import type { Command } from '../command.js';
import { loadAndPlan } from '../load-for-cli.js';
import { defaultLogFile, defaultStateFile, newRunId } from '../paths.js';

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
      },
      usage,
    );
    if (positionals.length !== 1) throw usageError('run takes exactly one PLAYBOOK', usage);
    if (!values.inventory) throw usageError('run needs an inventory: -i INVENTORY', usage);
    const playbookFile = resolve(positionals[0]!);
    const inventoryFile = resolve(values.inventory);

    const masker = new Masker();
    const planned = loadAndPlan(playbookFile, inventoryFile, masker);
    const runId = newRunId();
    const stateFile = resolve(values.state ?? defaultStateFile(playbookFile, inventoryFile));
    const logFile = resolve(values['log-file'] ?? defaultLogFile(playbookFile, runId));

    const journal = Journal.open({ file: stateFile, plan: planned.plan, runId, fresh: values.fresh === true });
    const bus = new EventBus(runId, masker);
    const reporter = createReporters({
      mode: values.json ? 'json' : values.quiet ? 'quiet' : values.plain ? 'plain' : 'auto',
      ...(values.color ? { color: true } : {}),
      ...(values.junit ? { junitFile: resolve(values.junit) } : {}),
      logFile,
    });
    bus.subscribe((e) => reporter.onEvent(e));

    const controller = new AbortController();
    let interrupts = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      interrupts++;
      if (interrupts === 1) {
        bus.emit({ type: 'log', level: 'warn', message: `${signal}: stopping running commands and saving the state…` });
        controller.abort(new Error(signal));
      } else {
        // Second Ctrl-C: the journal is consistent after every write; leave now.
        journal.close();
        process.exit(EXIT.interrupted);
      }
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);

    const seals = SealRegistry.forStateFile(stateFile);
    const pool = new TransportPool(
      {
        inventory: planned.inventory,
        secrets: planned.secrets,
        seals,
        acceptNewHostKeys: values['accept-new-host-keys'] === true,
        onLog: (host, message) => bus.emit({ type: 'log', level: 'info', message, host }),
        openSsh,
      },
      dirname(inventoryFile),
    );
    try {
      bus.emit({
        type: 'run.started',
        playbook: planned.plan.playbook,
        planHash: planned.plan.hash,
        hosts: planned.plan.hosts.map((h) => h.name),
        phases: planned.plan.phases.map((p) => ({
          name: p.name,
          hosts: p.hosts.map((h) => h.name),
          steps: p.hosts.reduce((n, h) => n + h.steps.length, 0),
        })),
        resumed: journal.resumed,
        stateFile,
        logFile,
      });
      const outcome = await executePlan({
        plan: planned.plan,
        playbook: planned.playbook,
        inventory: planned.inventory,
        secrets: planned.secrets,
        masker,
        journal,
        seals,
        bus,
        pool,
        keepSsh: values['keep-ssh'] === true,
        signal: controller.signal,
        findKind: findStepKind,
      });
      return outcome === 'succeeded' ? EXIT.ok : outcome === 'failed' ? EXIT.stepFailed : EXIT.interrupted;
    } finally {
      await pool.closeAll();
      journal.close();
      await reporter.close();
      for (const s of signals) process.off(s, onSignal);
    }
  },
};

// The command tree: one file per command in cli/commands/, listed here. Commander gives the
// help, `help COMMAND`, suggestions for misspelt commands and options, and the completion scripts
// (cli/completion.ts) read the same tree. Command files import their heavy parts on demand.
import { Command } from 'commander';
import { completionCommand } from './commands/completion.js';
import { demoCommand } from './commands/demo.js';
import { kubeconfigCommand } from './commands/kubeconfig.js';
import { labCommand } from './commands/lab.js';
import { planCommand } from './commands/plan.js';
import { preflightCommand } from './commands/preflight.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { statusCommand } from './commands/status.js';
import { testbedCommand } from './commands/testbed.js';
import { validateCommand } from './commands/validate.js';
import { versionCommand } from './commands/version.js';
import { cliVersion } from './version.js';

const EXIT_CODES = `
Exit codes: 0 success, 1 a step failed (state saved, resumable), 2 invalid input or usage, or
            SSH needed on a host an earlier run sealed, 3 state locked by another run,
            130 interrupted (state saved, resumable).`;

export function createProgram(): Command {
  const program = new Command('podsec-play')
    .description('Provision rootless Kubernetes (podsec-k8s) clusters over SSH from YAML playbooks.')
    .usage('COMMAND [options]')
    .version(cliVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'this help')
    .helpCommand('help [command]', 'help for a command')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'podsec-play: ')) })
    .addHelpText('after', EXIT_CODES);
  for (const make of [
    runCommand,
    preflightCommand,
    planCommand,
    validateCommand,
    statusCommand,
    kubeconfigCommand,
    labCommand,
    testbedCommand,
    demoCommand,
    schemaCommand,
    completionCommand,
    versionCommand,
  ]) {
    program.addCommand(inherit(make(), program));
  }
  return program;
}

/** addCommand does not copy the parent's settings (exit override, output, help): copy them down. */
function inherit(command: Command, parent: Command): Command {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inherit(sub, command);
  return command;
}

#!/usr/bin/env node
// podsec-play CLI entry: dispatch to a subcommand; every error leaves as a message and an exit
// code (README: 0 ok, 1 step failed, 2 invalid input, 3 locked, 130 interrupted), never a stack.
import { EXIT, PlayError, exitCodeFor, errorMessage } from '../engine/errors.js';
import type { Command } from './command.js';
import { runCommand } from './commands/run.js';
import { planCommand } from './commands/plan.js';
import { validateCommand } from './commands/validate.js';
import { statusCommand } from './commands/status.js';
import { labCommand } from './commands/lab.js';
import { testbedCommand } from './commands/testbed.js';
import { demoCommand } from './commands/demo.js';

const commands: Command[] = [runCommand, planCommand, validateCommand, statusCommand, labCommand, testbedCommand, demoCommand];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'podsec-play: provision rootless Kubernetes (podsec-k8s) clusters over SSH from YAML playbooks',
    '',
    'Usage: podsec-play COMMAND [options]   (podsec-play COMMAND --help for details)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 success, 1 a step failed (state saved, resumable), 2 invalid input or usage,',
    '            3 state locked by another run, 130 interrupted (state saved, resumable).',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name === undefined ? EXIT.invalid : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    const { ENGINE_VERSION } = await import('../engine/version.js');
    process.stdout.write(ENGINE_VERSION + '\n');
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new PlayError(`unknown command "${name}"\n\n${mainHelp()}`, { code: 'E_USAGE' });
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help.trimEnd() + '\n');
    return EXIT.ok;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; if a stray handle still holds the loop, do not hang.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`podsec-play: ${errorMessage(err)}\n`);
    if (process.env.PODSEC_PLAY_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = exitCodeFor(err);
  },
);

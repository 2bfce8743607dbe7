// `podsec-play completion bash|zsh`: a completion script for the shell, made from the same
// command tree commander parses (cli/completion.ts), so a new command or option completes too.
import { Argument } from 'commander';
import { EXIT } from '../../engine/errors.js';
import { exits, newCommand, type Command } from '../command.js';

export function completionCommand(): Command {
  const command: Command = newCommand('completion')
    .summary('print a shell completion script (bash or zsh)')
    .description('Prints a completion script for commands, subcommands, options and their values.')
    .addHelpText(
      'after',
      '\nTo use it:\n' +
        '  bash: source <(podsec-play completion bash)    (e.g. in ~/.bashrc)\n' +
        '  zsh:  source <(podsec-play completion zsh)     (after compinit, e.g. in ~/.zshrc)',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action(
      exits(async (shell: 'bash' | 'zsh') => {
        const { bashCompletion, zshCompletion } = await import('../completion.js');
        const root = command.parent ?? command;
        process.stdout.write(shell === 'bash' ? bashCompletion(root) : zshCompletion(root));
        return EXIT.ok;
      }),
    );
  return command;
}

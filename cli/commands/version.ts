// `podsec-play version`: the same as --version, for people who type it as a command.
import { EXIT } from '../../engine/errors.js';
import { exits, newCommand, type Command } from '../command.js';
import { cliVersion } from '../version.js';

export function versionCommand(): Command {
  return newCommand('version')
    .summary('print the version')
    .action(
      exits(async () => {
        process.stdout.write(`${cliVersion()}\n`);
        return EXIT.ok;
      }),
    );
}

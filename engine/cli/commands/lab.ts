import { PlayError } from '../../errors.js';
import type { Command } from '../command.js';

// Placeholder until the lab lands (issue 3); replaced by the lab's own command.
export const labCommand: Command = {
  name: 'lab',
  summary: 'start, stop or move the clock of simulated nodes (lab up|down|clock)',
  help: 'podsec-play lab up|down|clock --dir DIR',
  async run() {
    throw new PlayError('the lab is not built yet', { code: 'E_USAGE' });
  },
};

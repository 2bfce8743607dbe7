import { PlayError } from '../../errors.js';
import type { Command } from '../command.js';

// Placeholder until the lab and playbooks land (issue 4).
export const demoCommand: Command = {
  name: 'demo',
  summary: 'start a lab and provision an HA cluster on it (the embedded default)',
  help: 'podsec-play demo',
  async run() {
    throw new PlayError('the demo is not built yet', { code: 'E_USAGE' });
  },
};

// The SSH factory the pool uses. Kept apart so only runs that reach SSH hosts load ssh2.
import type { Host, Inventory } from '../model.js';
import type { SshFactoryOptions } from './pool.js';
import { createSshTransport } from './ssh/index.js';
import type { Transport } from './types.js';

export function openSsh(host: Host, inventory: Inventory, options: SshFactoryOptions): Transport {
  return createSshTransport(host, inventory, options);
}

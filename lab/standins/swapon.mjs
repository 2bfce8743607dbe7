#!/usr/bin/env node
// swapon stand-in: simulated nodes have no swap (kubelet refuses to run with it), so `--show`
// prints nothing; the controller's own swap must never leak into a lab run.
// Models: util-linux swapon --show on a node without swap.
import { standin, out } from './lib/main.mjs';

standin(async (args) => {
  if (args.includes('--show') || args.includes('-s') || args.includes('--summary')) {
    if (args.includes('-s') || args.includes('--summary')) out('Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
    return 0;
  }
  return 0;
});

// Where a run keeps its state and log by default: under .podsec-play/ in the working
// directory, one state per playbook × inventory, so cluster.yaml and reset.yaml never clash.
import { basename, extname, resolve } from 'node:path';

export const STATE_DIR = '.podsec-play';

export function defaultStateFile(playbookFile: string, inventoryFile: string, cwd = process.cwd()): string {
  return resolve(cwd, STATE_DIR, `${stem(playbookFile)}.${stem(inventoryFile)}.state.json`);
}

export function defaultLogFile(playbookFile: string, runId: string, cwd = process.cwd()): string {
  return resolve(cwd, STATE_DIR, 'logs', `${stem(playbookFile)}-${runId}.log`);
}

function stem(file: string): string {
  const base = basename(file);
  const noExt = base.slice(0, base.length - extname(base).length) || base;
  // The lab writes every inventory as inventory.yaml: add the folder name to keep labs apart.
  if (noExt === 'inventory') return `${basename(resolve(file, '..'))}-inventory`;
  return noExt;
}

export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${t}-${Math.random().toString(16).slice(2, 6)}`;
}

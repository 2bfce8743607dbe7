// Where a run keeps its state and log by default: in `.podsec-play/` beside the inventory file,
// one state per playbook × inventory, so a resume started from another directory finds its
// journal, `status -i INVENTORY` finds it too, and cluster.yaml and reset.yaml never clash.
import { basename, dirname, extname, join, resolve } from 'node:path';

export const STATE_DIR = '.podsec-play';

/** `.podsec-play/` beside the inventory. */
export function stateDirFor(inventoryFile: string): string {
  return join(dirname(resolve(inventoryFile)), STATE_DIR);
}

export function defaultStateFile(playbookFile: string, inventoryFile: string): string {
  return join(stateDirFor(inventoryFile), `${stem(playbookFile)}.${stem(inventoryFile)}.state.json`);
}

/** Whether a state file name belongs to this inventory (`PLAYBOOK.INVENTORY.state.json`). */
export function isStateOf(fileName: string, inventoryFile: string): boolean {
  return fileName.endsWith(`.${stem(inventoryFile)}.state.json`);
}

export function defaultLogFile(playbookFile: string, inventoryFile: string, runId: string): string {
  return join(stateDirFor(inventoryFile), 'logs', `${stem(playbookFile)}-${runId}.log`);
}

function stem(file: string): string {
  const base = basename(file);
  return base.slice(0, base.length - extname(base).length) || base;
}

export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${t}-${Math.random().toString(16).slice(2, 6)}`;
}

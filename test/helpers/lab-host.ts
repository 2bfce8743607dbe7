// Make one lab node differ on purpose, as lab/README.md ("Making a node differ") describes: its
// /var/lib/lab/host.json (NIC, kernel, clock, swap, ports, disk, …), its package list, files.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningLab } from '../../lab/index.js';

export function nodeFilePath(lab: RunningLab, node: string, path: string): string {
  return join(lab.dir, 'nodes', node, path.replace(/^\//, ''));
}

/** Merge `patch` into the node's /var/lib/lab/host.json. */
export function editHost(lab: RunningLab, node: string, patch: Record<string, unknown>): void {
  const file = nodeFilePath(lab, node, '/var/lib/lab/host.json');
  const current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...current, ...patch }, null, 2) + '\n');
}

/** Take a package off the node's /var/lib/lab/packages (what rpm -q reads). */
export function removePackage(lab: RunningLab, node: string, name: string): void {
  const file = nodeFilePath(lab, node, '/var/lib/lab/packages');
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[^-]+-[^-]+$`).test(l));
  writeFileSync(file, kept.join('\n') + '\n');
}

export function writeNodeFile(lab: RunningLab, node: string, path: string, content: string): void {
  writeFileSync(nodeFilePath(lab, node, path), content);
}

export function removeNodeFile(lab: RunningLab, node: string, path: string): void {
  rmSync(nodeFilePath(lab, node, path), { recursive: true, force: true });
}

export function readNodeFile(lab: RunningLab, node: string, path: string): string {
  return readFileSync(nodeFilePath(lab, node, path), 'utf8');
}

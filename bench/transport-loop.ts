// The SSH transport alone, in-process: the same commands through createSshTransport (pid
// marker, abort wiring, line splitting) on one connection, to separate its cost from the engine's.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import type { Host, Inventory } from '../engine/model.js';
import { createSshTransport } from '../engine/transport/ssh/index.js';

export async function transportLoop(inventoryFile: string, hostName: string, count: number): Promise<number> {
  const raw = parse(readFileSync(inventoryFile, 'utf8')) as { cluster: Inventory['cluster']; ssh: Inventory['ssh']; hosts: (Partial<Host> & { name: string; address: string })[] };
  const h = raw.hosts.find((x) => x.name === hostName)!;
  const host: Host = { port: 22, user: 'root', roles: [], vars: {}, transport: 'ssh', ...h, internalAddress: h.internalAddress ?? h.address };
  const inventory: Inventory = { file: inventoryFile, cluster: raw.cluster, hosts: [host], ...(raw.ssh ? { ssh: raw.ssh } : {}) };
  const transport = createSshTransport(host, inventory, {
    secrets: { get: () => undefined, has: () => false },
    acceptNewHostKeys: false,
    inventoryHosts: [host],
    inventoryDir: dirname(inventoryFile),
  });
  await transport.exec('true');
  const started = performance.now();
  for (let i = 0; i < count; i++) await transport.exec('true', { signal: new AbortController().signal, onLine: () => undefined });
  const ms = performance.now() - started;
  await transport.close();
  return ms;
}

// Starts bench/lab-process.js as a child (the lab in its own process) and stops it again.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const LAB_PROCESS = fileURLToPath(new URL('./lab-process.js', import.meta.url));

export interface LabChild {
  dir: string;
  inventoryFile: string;
  identityFile: string;
  workers: { name: string; port: number }[];
  /** An inventory of the first `n` workers. */
  subset(n: number): string;
  stop(): Promise<void>;
}

export async function startLabChild(dir: string, workers: number): Promise<LabChild> {
  const child = spawn(process.execPath, [LAB_PROCESS, dir, String(workers)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (l) => {
      lines.close();
      resolve(l);
    });
    child.once('exit', (code) => resolve(`exited ${code}`));
  });
  if (first !== 'ready') throw new Error(`the bench lab did not start: ${first}`);
  const inventoryFile = join(dir, 'inventory.yaml');
  const inv = parse(readFileSync(inventoryFile, 'utf8')) as { hosts: { name: string; port: number; roles: string[] }[] };
  const list = inv.hosts.filter((h) => h.roles.includes('worker'));
  return {
    dir,
    inventoryFile,
    identityFile: join(dir, 'id_ed25519'),
    workers: list.map((h) => ({ name: h.name, port: h.port })),
    subset(n) {
      const file = join(dir, `inventory-${n}.yaml`);
      writeFileSync(file, stringify({ ...inv, hosts: list.slice(0, n) }));
      return file;
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

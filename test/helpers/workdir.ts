// A fresh working directory per test with a local-transport inventory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function workdir(prefix = 'podsec-play-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function localInventory(dir: string, hosts = ['h1'], extra = ''): string {
  const file = join(dir, 'inventory.yaml');
  writeFileSync(
    file,
    `cluster: { name: local }\n${extra}hosts:\n${hosts.map((h) => `  - { name: ${h}, address: 127.0.0.1, transport: local, roles: [node] }`).join('\n')}\n`,
  );
  return file;
}

export function writePlaybook(dir: string, text: string, name = 'playbook.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

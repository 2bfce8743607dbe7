// A fresh working directory per test with a local-transport inventory. Every directory made
// here is removed after the test file's tests (registered when a test file imports this).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function workdir(prefix = 'podsec-play-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
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

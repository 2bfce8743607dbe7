// `podsec-play demo` end to end through the compiled CLI: the lab, ha-cluster.yaml, and a summary
// that ends with the kubeconfig on the controller (0600), every node Ready through the API with
// it, and the line that says what to type next.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { runCli, stopStrayProcesses } from '../helpers/cli.js';
import { workdir } from '../helpers/workdir.js';
import { scrubSecretEnv } from '../podsec/helpers.js';

afterEach(stopStrayProcesses);
scrubSecretEnv();
const work = workdir('podsec-demo-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('demo ends with the kubeconfig on the controller and the line that shows how to use it', async () => {
  const dir = join(work, 'lab');
  const r = await runCli(['demo', '--dir', dir, '--plain'], { timeoutMs: 180_000 });
  expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
  const kubeconfig = join(dir, 'lab.kubeconfig');
  expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
  expect(r.stdout).toMatch(/nodes Ready: +6 of 6 \(through the API at https:\/\/127\.\d+\.\d+\.100:8443 with the kubeconfig, after sealing\)/);
  expect(r.stdout).toMatch(/SSH sealed: +8 of 8 nodes refuse connections/);
  expect(r.stdout).toContain(`kubeconfig:         ${kubeconfig} (mode 0600`);
  expect(r.stdout).toContain(`next:               kubectl --kubeconfig ${kubeconfig} get nodes`);
  expect(r.stdout).toContain(`podsec-play lab up --dir ${dir}`);
}, 200_000);

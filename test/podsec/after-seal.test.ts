// After the seal, end to end on a lab through the compiled CLI: ha-cluster.yaml leaves the admin
// kubeconfig beside the inventory (0600) and real kubectl lists every node Ready through the
// VIP; on the sealed cluster, with a worker added to the lab, add-worker.yaml joins it with no
// SSH connection to any sealed node (the lab's tripwire records every attempt), the node is Ready
// and sealed, the bootstrap token is gone; remove-node.yaml takes a sealed worker out and real
// kubectl no longer lists it; `podsec-play kubeconfig` writes the file again from the state.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../lab/node-server.js';
import { connectKube, parseKubeconfig } from '../../steps/lib/kube-api-client.js';
import { parseEvents, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { actions, expectFaithfulPodsecUse, isJoin, newLab, nodeFile, playbook, ports, restartLab, scrubSecretEnv, sshdUnit, stepEvents } from './helpers.js';

afterEach(stopStrayProcesses);
scrubSecretEnv();

/** Real kubectl (installed by .ci/run), its discovery cache kept inside the test's directory. */
export function kubectl(kubeconfig: string, cacheDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, '--request-timeout', '10s', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('kubectl is not installed (bash .ci/run installs it)'));
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `kubectl get nodes` as NAME → STATUS. */
function nodeTable(stdout: string): Record<string, string> {
  const rows = stdout.trim().split('\n').slice(1);
  return Object.fromEntries(rows.map((r) => r.trim().split(/\s+/)).map(([name, status]) => [name!, status!]));
}

function connections(dir: string): ConnectionRecord[] {
  const file = join(dir, 'connections.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ConnectionRecord);
}

describe('after the seal: the kubeconfig, add-worker and remove-node through the API (HA lab)', () => {
  it('hands over the kubeconfig before sealing, then adds and removes workers with no SSH on any sealed node', async () => {
    const t = await newLab({ controlPlanes: 1, workers: 2, lbs: 1 });
    const { work } = t;
    const cache = join(work, 'kube-cache');
    const built = await runCli(['run', playbook('ha-cluster'), '-i', t.lab.inventoryFile, '--plain'], { cwd: work, timeoutMs: 120_000 });
    expect(built.code, built.stdout.slice(-3000) + built.stderr).toBe(0);

    // 1. The kubeconfig, beside the inventory, 0600, named after the cluster, server = the VIP endpoint
    const kubeconfig = join(t.lab.dir, 'lab.kubeconfig');
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    const cluster = (parse(readFileSync(t.lab.inventoryFile, 'utf8')) as { cluster: { controlPlaneEndpoint: string } }).cluster;
    const parsed = parseKubeconfig(readFileSync(kubeconfig, 'utf8'), kubeconfig);
    expect(parsed.server).toBe(`https://${cluster.controlPlaneEndpoint}`);
    expect(built.stdout).toContain(`kubectl --kubeconfig ${kubeconfig} get nodes`);
    // ... and the seal came after it: every node's SSH is off
    expect(Object.values(await ports(t.lab)).every((p) => p === 'refused')).toBe(true);

    // real kubectl through the VIP lists every node Ready
    const nodes = await kubectl(kubeconfig, cache, ['get', 'nodes']);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodeTable(nodes.stdout)).toEqual({ 'cp-1': 'Ready', 'cp-2': 'Ready', 'worker-1': 'Ready', 'worker-2': 'Ready' });

    // 2. A worker added to the sealed lab; sealed nodes keep a tripwire on their SSH port
    const grown = await restartLab(t, { workers: 3, tripwireSealed: true });
    const lab = grown.lab;
    rmSync(join(lab.dir, 'connections.log'), { force: true });
    const sealedNodes = lab.nodes.filter((n) => n.name !== 'worker-3').map((n) => n.name);
    expect(lab.nodes.find((n) => n.name === 'worker-3')?.listening).toBe(true);

    // No kubeVersion in the inventory now: the join's U7S_KUBEVERSION comes through the API (the
    // control planes' kubelet version), its U7S_PLATFORM from worker-3's own /etc/os-release —
    // the sealed master's env file and os-release are out of reach.
    const inventory = parse(readFileSync(lab.inventoryFile, 'utf8')) as { cluster: Record<string, unknown> };
    delete inventory.cluster['kubeVersion'];
    writeFileSync(lab.inventoryFile, stringify(inventory));
    const added = await runCli(['run', playbook('add-worker'), '-i', lab.inventoryFile, '--json'], { cwd: work, timeoutMs: 120_000 });
    expect(added.code, added.stderr + added.stdout.slice(-3000)).toBe(0);
    const events = parseEvents(added.stdout);
    // the sealed workers were left out without a connection
    for (const w of ['worker-1', 'worker-2']) {
      const skips = stepEvents(events, 'step.skipped', w);
      expect(skips.length).toBeGreaterThan(0);
      expect(skips.every((e) => e.type === 'step.skipped' && e.reason === 'sealed')).toBe(true);
    }
    const attempts = connections(lab.dir);
    expect(attempts.filter((c) => sealedNodes.includes(c.node)), 'SSH attempts on sealed nodes').toEqual([]);
    expect(attempts.filter((c) => c.node === 'worker-3').length).toBeGreaterThan(0);
    // joined through the wrapper with the cluster's settings, Ready through the API, then sealed
    expect(actions(lab, 'worker-3').filter((a) => isJoin(a) && a.exit === 0)).toHaveLength(1);
    const env = readFileSync(nodeFile(lab, 'worker-3', '/etc/podsec/u7s/config/env'), 'utf8');
    expect(env).toContain('U7S_KUBEVERSION=v1.28.3');
    // podsec driven as its scripts allow: the wrapper got init and join only, each with the
    // cluster's U7S_*; podsec-create-policy on worker-3 marked registry.local insecure
    expectFaithfulPodsecUse(lab, ['worker-3']);
    const after = await kubectl(kubeconfig, cache, ['get', 'nodes']);
    expect(nodeTable(after.stdout)['worker-3']).toBe('Ready');
    expect(sshdUnit(lab, 'worker-3')).toEqual({ enabled: false, active: false });
    // the bootstrap token was deleted after the join
    const api = connectKube(parseKubeconfig(readFileSync(kubeconfig, 'utf8'), kubeconfig));
    const secrets = await kubectl(kubeconfig, cache, ['get', 'secrets', '-n', 'kube-system', '-o', 'json']);
    const minted = stepEvents(events, 'step.succeeded', 'worker-3', 'material');
    expect(minted).toHaveLength(1);
    const names = (JSON.parse(secrets.stdout) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
    const tokenIds = readFileSync(join(lab.dir, 'apiserver.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"DELETE"') && l.includes('bootstrap-token-'))
      .map((l) => (JSON.parse(l) as { path: string }).path.split('bootstrap-token-')[1]);
    expect(tokenIds).toHaveLength(1);
    expect(names).not.toContain(`bootstrap-token-${tokenIds[0]}`);

    // 3. A sealed worker leaves: role `remove` in the inventory, remove-node.yaml
    const inv = parse(readFileSync(lab.inventoryFile, 'utf8')) as { hosts: { name: string; roles: string[] }[] };
    inv.hosts.find((h) => h.name === 'worker-1')!.roles = ['remove'];
    writeFileSync(lab.inventoryFile, stringify(inv), { mode: 0o600 });
    const removed = await runCli(['run', playbook('remove-node'), '-i', lab.inventoryFile, '--plain'], { cwd: work, timeoutMs: 60_000 });
    expect(removed.code, removed.stdout + removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/worker-1 was taken out of the cluster through the API but not reset: its SSH was turned off \(sealed\)/);
    const gone = await kubectl(kubeconfig, cache, ['get', 'nodes']);
    expect(Object.keys(nodeTable(gone.stdout)).sort()).toEqual(['cp-1', 'cp-2', 'worker-2', 'worker-3']);
    expect(connections(lab.dir).filter((c) => sealedNodes.includes(c.node)), 'SSH attempts on sealed nodes').toEqual([]);
    expect(await api.getNode('worker-1')).toBeUndefined();
    // real kubectl drains through the same API (DaemonSet pods left, their owner looked up)
    const drained = await kubectl(kubeconfig, cache, ['drain', 'worker-2', '--ignore-daemonsets']);
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.stdout).toContain('node/worker-2 drained');
    expect(nodeTable((await kubectl(kubeconfig, cache, ['get', 'nodes'])).stdout)['worker-2']).toBe('Ready,SchedulingDisabled');
    expect((await kubectl(kubeconfig, cache, ['uncordon', 'worker-2'])).code).toBe(0);

    // 4. The kubeconfig again from the saved state
    rmSync(kubeconfig);
    const again = await runCli(['kubeconfig', '-i', lab.inventoryFile, '--write'], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    expect(parseKubeconfig(readFileSync(kubeconfig, 'utf8'), kubeconfig).server).toBe(parsed.server);
    expect((await kubectl(kubeconfig, cache, ['get', 'nodes'])).code).toBe(0);
    const printed = await runCli(['kubeconfig', '-i', lab.inventoryFile], { cwd: work });
    expect(printed.stdout).toBe(readFileSync(kubeconfig, 'utf8'));
    const elsewhere = join(work, 'copy', 'admin.kubeconfig');
    expect((await runCli(['kubeconfig', '-i', lab.inventoryFile, '-o', elsewhere], { cwd: work })).code).toBe(0);
    expect(statSync(elsewhere).mode & 0o777).toBe(0o600);
    // an inventory no run has used: nothing saved for it, and the command says so (exit 2)
    const other = join(work, 'other');
    mkdirSync(other);
    copyFileSync(lab.inventoryFile, join(other, 'inventory.yaml'));
    const nowhere = await runCli(['kubeconfig', '-i', join(other, 'inventory.yaml')], { cwd: other });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`no saved kubeconfig for ${join(other, 'inventory.yaml')}`);
  }, 300_000);
});

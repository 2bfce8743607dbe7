// The other shipped playbooks on labs with nothing but -i DIR/inventory.yaml: cluster.yaml builds
// and seals; on a cluster built with --keep-ssh, add-worker.yaml (also with --keep-ssh) joins a
// worker added to the inventory through the API, reset.yaml tears everything down, and
// cluster.yaml builds it again from scratch. (add-worker.yaml on a sealed cluster:
// after-seal.test.ts.)
// And every playbook validates against its example inventory, secrets from the environment.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEvents, runCli } from '../helpers/cli.js';
import {
  actions,
  allActions,
  clusterState,
  every,
  exampleInventory,
  expectFaithfulPodsecUse,
  isCreatePolicy,
  isInit,
  isJoin,
  isSshdDisable,
  newLab,
  nodeFile,
  nodeReadiness,
  onceOnly,
  playbook,
  ports,
  restartLab,
  scrubSecretEnv,
  sshdUnit,
  stepEvents,
  touchesSshd,
} from './helpers.js';

scrubSecretEnv();

const SECRETS = {
  PODSEC_SECRET_IMAGEMAKER_PASSWORD: 'validate-only-password',
  PODSEC_SECRET_GPG_PASSPHRASE: 'validate-only-passphrase',
  PODSEC_SECRET_VRRP_PASSWORD: 'vrrp1234',
};

describe('shipped playbooks', () => {
  it('every playbook validates with its example inventory (secrets from PODSEC_SECRET_*), printing no secret', async () => {
    const dir = dirname(playbook('cluster'));
    const names = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => basename(f, '.yaml'));
    expect(names).toEqual(expect.arrayContaining(['cluster', 'ha-cluster', 'add-worker', 'reset']));
    for (const name of names) {
      expect(existsSync(exampleInventory(name)), `playbooks/examples/${name}.inventory.yaml`).toBe(true);
      // Example inventories carry no secrets of their own.
      expect(readFileSync(exampleInventory(name), 'utf8')).not.toMatch(/^secrets:/m);
      const r = await runCli(['validate', playbook(name), '-i', exampleInventory(name)], { env: SECRETS });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/: valid \(\d+ phases, \d+ steps\)/);
      for (const secret of Object.values(SECRETS)) expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });

  it('cluster.yaml builds a master and workers and seals every host', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 2, lbs: 0 });
    const r = await runCli(['run', playbook('cluster'), '-i', lab.inventoryFile, '--json'], { cwd: work, timeoutMs: 120_000 });
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const all = lab.nodes.map((n) => n.name);
    onceOnly(actions(lab, 'cp-1').filter(isInit), 'kubeadm init');
    for (const w of ['worker-1', 'worker-2']) expect(onceOnly(actions(lab, w).filter(isJoin), `${w} join`).event).toBe('join-worker');
    expectFaithfulPodsecUse(lab, ['worker-1', 'worker-2']);
    expect(await nodeReadiness(lab)).toEqual(every(all, true));
    for (const n of all) expect(actions(lab, n).filter(isSshdDisable).map((a) => a.exit), n).toEqual([0]);
    expect(await ports(lab)).toEqual(every(all, 'refused'));
  }, 150_000);

  it('on a --keep-ssh cluster: add-worker.yaml joins the new worker, reset.yaml tears it down, cluster.yaml rebuilds it', async () => {
    let t = await newLab({ controlPlanes: 0, workers: 1, lbs: 0 });
    const built = await runCli(['run', playbook('cluster'), '-i', t.lab.inventoryFile, '--json', '--keep-ssh'], { cwd: t.work, timeoutMs: 120_000 });
    expect(built.code, built.stderr + built.stdout.slice(-3000)).toBe(0);
    expect(allActions(t.lab).filter(touchesSshd), '--keep-ssh: sshd untouched').toEqual([]);
    expect(await ports(t.lab)).toEqual(every(['cp-1', 'worker-1'], 'open'));

    // A second worker joins the lab (and its inventory); add-worker.yaml takes it in.
    t = await restartLab(t, { controlPlanes: 0, workers: 2, lbs: 0 });
    const lab = t.lab;
    const all = lab.nodes.map((n) => n.name);
    expect(all).toEqual(['cp-1', 'worker-1', 'worker-2']);
    const added = await runCli(['run', playbook('add-worker'), '-i', lab.inventoryFile, '--json', '--keep-ssh'], { cwd: t.work, timeoutMs: 120_000 });
    expect(added.code, added.stderr + added.stdout.slice(-3000)).toBe(0);
    const addEvents = parseEvents(added.stdout);
    // worker-1 is recognised as joined: nothing minted for it, no second join.
    expect(stepEvents(addEvents, 'step.skipped', 'worker-1').filter((e) => e.step === 'material' || e.step === 'join')).toHaveLength(2);
    onceOnly(actions(lab, 'worker-1').filter(isJoin), 'worker-1 join');
    onceOnly(actions(lab, 'worker-2').filter(isJoin), 'worker-2 join');
    onceOnly(actions(lab, 'cp-1').filter(isInit), 'kubeadm init');
    onceOnly(actions(lab, 'cp-1').filter(isCreatePolicy), 'podsec-create-policy');
    for (const f of ['/etc/containers/policy.json', '/etc/containers/registries.d/default.yaml']) {
      expect(readFileSync(nodeFile(lab, 'worker-2', f)).equals(readFileSync(nodeFile(lab, 'cp-1', f))), f).toBe(true);
    }
    expectFaithfulPodsecUse(lab, ['worker-1', 'worker-2']);
    expect(await nodeReadiness(lab)).toEqual(every(all, true));
    expect(await ports(lab), 'add-worker.yaml --keep-ssh does not seal').toEqual(every(all, 'open'));

    // reset.yaml: every node reset by the native kubeadm inside u7s-admin's namespaces (the
    // wrapper cannot: -f is not in its table), the cluster gone, the markers and the registry
    // lines removed.
    const reset = await runCli(['run', playbook('reset'), '-i', lab.inventoryFile, '--json'], { cwd: t.work, timeoutMs: 120_000 });
    expect(reset.code, reset.stderr + reset.stdout.slice(-3000)).toBe(0);
    expect(allActions(lab).filter((a) => a.program === 'podsec-u7s-kubeadm' && a.cmd === 'reset')).toEqual([]);
    for (const n of all) {
      expect(actions(lab, n).filter((a) => a.argv.join(' ') === 'kubeadm reset -f' && a.namespace === 'u7s-admin' && a.user === 'u7s-admin' && a.exit === 0).length, n).toBe(1);
      expect(existsSync(nodeFile(lab, n, '/etc/kubernetes/kubelet.conf')), n).toBe(false);
      expect(readFileSync(nodeFile(lab, n, '/etc/hosts'), 'utf8'), n).not.toMatch(/registry\.local/);
    }
    expect(clusterState(lab)).toMatchObject({ id: null, nodes: {} });
    expect(await ports(lab), 'reset.yaml leaves SSH on').toEqual(every(all, 'open'));

    // Built again from scratch (--fresh: the old state says every step is done), sealed this time.
    const rebuilt = await runCli(['run', playbook('cluster'), '-i', lab.inventoryFile, '--json', '--fresh'], { cwd: t.work, timeoutMs: 120_000 });
    expect(rebuilt.code, rebuilt.stderr + rebuilt.stdout.slice(-3000)).toBe(0);
    expect(actions(lab, 'cp-1').filter((a) => isInit(a) && a.exit === 0)).toHaveLength(2);
    expect(actions(lab, 'cp-1').filter((a) => isCreatePolicy(a) && a.exit === 0)).toHaveLength(2);
    expectFaithfulPodsecUse(lab, ['worker-1', 'worker-2']);
    expect(await nodeReadiness(lab)).toEqual(every(all, true));
    for (const n of all) expect(sshdUnit(lab, n), n).toEqual({ enabled: false, active: false });
    expect(await ports(lab)).toEqual(every(all, 'refused'));
  }, 200_000);
});

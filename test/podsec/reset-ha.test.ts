// reset.yaml on an HA cluster built by ha-cluster.yaml --keep-ssh: workers, the extra control
// plane, the master and the load balancers are all torn down (nothing of the cluster, the LB
// services or podsec-play's configs left), and ha-cluster.yaml builds it again from scratch,
// still with SSH on; a later run without --keep-ssh then only seals (the deferred seal).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEvents, runCli } from '../helpers/cli.js';
import { actions, clusterState, every, isInit, isJoin, newLab, nodeFile, nodeReadiness, playbook, ports, scrubSecretEnv, stepEvents } from './helpers.js';

scrubSecretEnv();

const unit = (file: string): { enabled?: boolean; active?: boolean } => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { enabled?: boolean; active?: boolean }) : {});

describe('reset.yaml on an HA lab', () => {
  it('tears down workers, control planes, master and LBs while SSH is on; ha-cluster.yaml rebuilds, and seals on a later run without --keep-ssh', async () => {
    const { work, lab } = await newLab({ controlPlanes: 1, workers: 1, lbs: 1 });
    const all = lab.nodes.map((n) => n.name);
    const k8s = ['cp-1', 'cp-2', 'worker-1'];
    const built = await runCli(['run', playbook('ha-cluster'), '-i', lab.inventoryFile, '--keep-ssh'], { cwd: work, timeoutMs: 120_000 });
    expect(built.code, built.stderr + built.stdout.slice(-3000)).toBe(0);
    expect(await nodeReadiness(lab)).toEqual(every(k8s, true));
    expect(unit(nodeFile(lab, 'lb-1', '/var/lib/lab/systemd/haproxy.json'))).toMatchObject({ active: true });

    const reset = await runCli(['run', playbook('reset'), '-i', lab.inventoryFile, '--plain'], { cwd: work, timeoutMs: 120_000 });
    expect(reset.code, reset.stderr + reset.stdout.slice(-3000)).toBe(0);
    expect(clusterState(lab)).toMatchObject({ id: null, nodes: {} });
    for (const n of k8s) {
      expect(actions(lab, n).filter((a) => a.argv[0] === 'kubeadm' && a.argv[1] === 'reset' && a.exit === 0).length, n).toBeGreaterThanOrEqual(1);
      expect(unit(nodeFile(lab, n, '/var/lib/lab/systemd/u7s.json')), n).toMatchObject({ enabled: false, active: false });
      expect(existsSync(nodeFile(lab, n, '/var/lib/podsec/u7s/etcd/member')), n).toBe(false);
      expect(readFileSync(nodeFile(lab, n, '/etc/hosts'), 'utf8'), n).not.toMatch(/registry\.local/);
    }
    for (const [svc, conf] of [
      ['haproxy', '/etc/haproxy/haproxy.cfg'],
      ['keepalived', '/etc/keepalived/keepalived.conf'],
    ] as const) {
      expect(unit(nodeFile(lab, 'lb-1', `/var/lib/lab/systemd/${svc}.json`)), svc).toMatchObject({ enabled: false, active: false });
      expect(existsSync(nodeFile(lab, 'lb-1', conf)), conf).toBe(false);
    }
    expect(await ports(lab), 'reset.yaml leaves SSH on').toEqual(every(all, 'open'));

    // Rebuilt from scratch with SSH kept on (--fresh: the old state says every step is done);
    // then the same command without --keep-ssh does nothing but the deferred seal.
    const args = ['run', playbook('ha-cluster'), '-i', lab.inventoryFile, '--json'];
    const rebuilt = await runCli([...args, '--fresh', '--keep-ssh'], { cwd: work, timeoutMs: 120_000 });
    expect(rebuilt.code, rebuilt.stderr + rebuilt.stdout.slice(-3000)).toBe(0);
    expect(actions(lab, 'cp-1').filter((a) => isInit(a) && a.exit === 0)).toHaveLength(2);
    expect(actions(lab, 'cp-2').filter((a) => isJoin(a) && a.exit === 0)).toHaveLength(2);
    expect(await nodeReadiness(lab)).toEqual(every(k8s, true));
    expect(await ports(lab)).toEqual(every(all, 'open'));
    const sealed = await runCli(args, { cwd: work, timeoutMs: 120_000 });
    expect(sealed.code, sealed.stderr + sealed.stdout.slice(-3000)).toBe(0);
    const events = parseEvents(sealed.stdout);
    expect([...new Set(stepEvents(events, 'step.started').map((e) => e.step))]).toEqual(['seal']);
    expect(stepEvents(events, 'step.succeeded', undefined, 'seal').map((e) => e.host).sort()).toEqual([...all].sort());
    expect(await ports(lab)).toEqual(every(all, 'refused'));
  }, 200_000);
});

// Both of podsec's ways to build a cluster on labs with nothing but the lab's inventory, and
// what a sealed node keeps: the Internet mode (no local registry, no signing, no secret but the
// VRRP password) builds a single master and an HA cluster and seals them; a node cut off from the
// public registry, or one without podsec-inotify, stops the run in its preflight before any
// change; after a secure-mode run every node had its podsec-inotify units active when its sshd
// stopped, the control planes' kube-apiserver audits into the log check-kubeapi follows, and the
// log forwarding the inventory asked for was in place (the summary says where monitoring goes).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { RunningLab } from '../../lab/index.js';
import { runCli } from '../helpers/cli.js';
import { editHost, removePackage } from '../helpers/lab-host.js';
import { actions, allActions, every, isCreatePolicy, isInit, isJoin, isSshdDisable, newLab, nodeFile, nodeReadiness, onceOnly, playbook, ports, scrubSecretEnv } from './helpers.js';

scrubSecretEnv();

const NODE_UNITS = ['podsec-inotify-check-policy.timer', 'podsec-inotify-check-images.timer', 'podsec-inotify-check-containers.service'];
const CONTROL_PLANE_UNITS = ['podsec-inotify-check-kubeapi.service', 'podsec-inotify-check-kubeapi-mail.timer'];

/** The lab's inventory made an Internet-mode one: the public registry, and no secret but the
 * VRRP password (the image maker's would be refused by nothing, so they are taken out to prove
 * that none is asked for). `syslog` sets cluster.syslog. */
function internetInventory(lab: RunningLab, o: { syslog?: string } = {}): void {
  const doc = parse(readFileSync(lab.inventoryFile, 'utf8')) as { cluster: Record<string, unknown>; secrets?: Record<string, string> };
  doc.cluster['registry'] = 'registry.altlinux.org';
  if (o.syslog) doc.cluster['syslog'] = o.syslog;
  const kept = Object.fromEntries(Object.entries(doc.secrets ?? {}).filter(([k]) => k === 'VRRP_PASSWORD'));
  if (Object.keys(kept).length > 0) doc.secrets = kept;
  else delete doc.secrets;
  writeFileSync(lab.inventoryFile, stringify(doc), { mode: 0o600 });
}

function setSyslog(lab: RunningLab, target: string): void {
  const doc = parse(readFileSync(lab.inventoryFile, 'utf8')) as { cluster: Record<string, unknown> };
  doc.cluster['syslog'] = target;
  writeFileSync(lab.inventoryFile, stringify(doc), { mode: 0o600 });
}

/** The units active on `node` when its sshd was turned off (the systemctl stand-in records them). */
function activeAtSeal(lab: RunningLab, node: string): string[] {
  const seal = actions(lab, node).filter((a) => a.sshClosed === true);
  expect(seal, `${node}: sealed once`).toHaveLength(1);
  return (seal[0]!['activeUnits'] as string[]) ?? [];
}

describe('the Internet mode', () => {
  it('internet-cluster.yaml: a master and a worker from registry.altlinux.org, nothing of the secure mode, no secret, sealed; monitoring stays on the nodes without a syslog target', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 1, lbs: 0 });
    internetInventory(lab);
    const r = await runCli(['run', playbook('internet-cluster'), '-i', lab.inventoryFile, '--plain'], { cwd: work, timeoutMs: 120_000 });
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const all = ['cp-1', 'worker-1'];
    expect(onceOnly(actions(lab, 'cp-1').filter(isInit), 'init')['u7s']).toMatchObject({ registry: 'registry.altlinux.org', platform: 'p10' });
    expect(onceOnly(actions(lab, 'worker-1').filter(isJoin), 'join')['u7s']).toMatchObject({ registry: 'registry.altlinux.org' });
    const secure = allActions(lab).filter((a) => isCreatePolicy(a) || /^podsec-(create-services|create-imagemakeruser|load-sign-oci)$/.test(a.argv[0] ?? ''));
    expect(secure, 'no podsec-create-policy, services, image maker or signing').toEqual([]);
    expect(await nodeReadiness(lab)).toEqual(every(all, true));
    expect(activeAtSeal(lab, 'cp-1')).toEqual(expect.arrayContaining([...NODE_UNITS, ...CONTROL_PLANE_UNITS]));
    expect(activeAtSeal(lab, 'worker-1')).toEqual(expect.arrayContaining(NODE_UNITS));
    expect(activeAtSeal(lab, 'worker-1')).not.toContain('podsec-inotify-check-kubeapi.service');
    expect(activeAtSeal(lab, 'cp-1'), 'no trivy.local: no check-vuln').not.toContain('podsec-inotify-check-vuln.timer');
    expect(r.stdout).toMatch(/no syslog target in the inventory \(cluster\.syslog\), so podsec-inotify's findings stay in each node's journal/);
    const next = r.stdout.slice(r.stdout.lastIndexOf('Next:'));
    expect(next.match(/no syslog target in the inventory/g), 'the summary says it once').toHaveLength(1);
    expect(await ports(lab)).toEqual(every(all, 'refused'));
  }, 150_000);

  it('internet-ha-cluster.yaml: LBs, two control planes one at a time, a worker, with VRRP_PASSWORD the only secret; logs forwarded as asked', async () => {
    const { work, lab } = await newLab({ controlPlanes: 1, workers: 1, lbs: 1 });
    internetInventory(lab, { syslog: 'udp://127.0.0.9:514' });
    expect(Object.keys((parse(readFileSync(lab.inventoryFile, 'utf8')) as { secrets: object }).secrets)).toEqual(['VRRP_PASSWORD']);
    const r = await runCli(['run', playbook('internet-ha-cluster'), '-i', lab.inventoryFile, '--plain'], { cwd: work, timeoutMs: 150_000 });
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const all = lab.nodes.map((n) => n.name);
    const nodes = all.filter((n) => !n.startsWith('lb-'));
    expect(onceOnly(actions(lab, 'cp-2').filter(isJoin), 'cp-2 join').event).toBe('join-control-plane');
    expect(await nodeReadiness(lab)).toEqual(every(nodes, true));
    for (const cp of ['cp-1', 'cp-2']) {
      expect(readFileSync(nodeFile(lab, cp, '/etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8'), cp).toContain('--audit-log-path=/etc/kubernetes/audit/audit.log');
      expect(activeAtSeal(lab, cp), cp).toEqual(expect.arrayContaining([...NODE_UNITS, ...CONTROL_PLANE_UNITS]));
    }
    for (const n of all) {
      const restart = actions(lab, n).filter((a) => a.argv.join(' ') === 'systemctl restart rsyslog' && a.exit === 0);
      expect(restart.at(-1)?.['forwardsTo'], n).toEqual(['udp://127.0.0.9:514']);
      expect(activeAtSeal(lab, n), n).toEqual(expect.arrayContaining(['rsyslog.service']));
    }
    expect(activeAtSeal(lab, 'lb-1'), 'an LB is no Kubernetes node').not.toContain('podsec-inotify-check-policy.timer');
    expect(r.stdout).toContain("Monitoring: every node's log, podsec-inotify's findings included, is forwarded to udp://127.0.0.9:514 (rsyslog).");
    expect(await ports(lab)).toEqual(every(all, 'refused'));
  }, 200_000);

  it('a node cut off from the public registry stops the run in its preflight, before any change', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 1, lbs: 0 });
    internetInventory(lab);
    editHost(lab, 'worker-1', { publicRegistries: false });
    const r = await runCli(['run', playbook('internet-cluster'), '-i', lab.inventoryFile, '--plain'], { cwd: work, timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/registry\.altlinux\.org does not answer from worker-1 \(curl exit 6: could not resolve the host\)/);
    expect(allActions(lab).filter((a) => isInit(a) || isJoin(a) || isSshdDisable(a))).toEqual([]);
  }, 90_000);
});

describe('monitoring before the seal (secure mode)', () => {
  it('cluster.yaml: every node has its podsec-inotify units active when its sshd stops (check-vuln too: trivy.local), and the log forwarded to cluster.syslog', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 1, lbs: 0 });
    setSyslog(lab, 'tcp://127.0.0.9:6514');
    const r = await runCli(['run', playbook('cluster'), '-i', lab.inventoryFile, '--plain'], { cwd: work, timeoutMs: 150_000 });
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    expect(activeAtSeal(lab, 'cp-1')).toEqual(expect.arrayContaining([...NODE_UNITS, ...CONTROL_PLANE_UNITS, 'podsec-inotify-check-vuln.timer', 'trivy.service', 'rsyslog.service']));
    expect(activeAtSeal(lab, 'worker-1')).toEqual(expect.arrayContaining([...NODE_UNITS, 'podsec-inotify-check-vuln.timer', 'rsyslog.service']));
    for (const n of ['cp-1', 'worker-1']) {
      expect(readFileSync(nodeFile(lab, n, '/etc/rsyslog.d/60-podsec-play-forward.conf'), 'utf8'), n).toContain('target="127.0.0.9" port="6514" protocol="tcp"');
      expect(readFileSync(nodeFile(lab, n, '/etc/systemd/journald.conf.d/60-podsec-play-forward.conf'), 'utf8'), n).toContain('ForwardToSyslog=yes');
    }
    // check-kubeapi has a log to follow: kube-apiserver writes nothing before its first audited request
    expect(readFileSync(nodeFile(lab, 'cp-1', '/etc/kubernetes/audit/audit.log'), 'utf8')).toBe('');
    expect(r.stdout).toContain('is forwarded to tcp://127.0.0.9:6514 (rsyslog)');
  }, 200_000);

  it('a node without podsec-inotify fails preflight with a clear message, and nothing is changed', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 1, lbs: 0 });
    removePackage(lab, 'worker-1', 'podsec-inotify');
    const r = await runCli(['run', playbook('cluster'), '-i', lab.inventoryFile, '--plain'], { cwd: work, timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/worker-1.*podsec-inotify is not installed \(podsec's security checks, the only monitoring a sealed node keeps\)/s);
    expect(r.stdout + r.stderr).toContain('apt-get install podsec-inotify');
    expect(allActions(lab).filter((a) => isInit(a) || isCreatePolicy(a))).toEqual([]);
  }, 90_000);
});

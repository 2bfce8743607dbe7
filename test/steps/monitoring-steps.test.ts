// The monitoring step kinds and the seal's last look, against fake hosts: which podsec-inotify
// units a node gets and when it fails, what audit-policy refuses, what log-forwarding writes and
// says, and disable-ssh refusing to seal a node whose recorded units are no longer active.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { auditPolicyStep } from '../../steps/audit-policy.js';
import { disableSshStep, SEAL_COMMAND } from '../../steps/disable-ssh.js';
import { MONITORING_RECORD } from '../../steps/lib/inotify-units.js';
import { JOURNALD_DROP_IN, RSYSLOG_DROP_IN } from '../../steps/lib/syslog-target.js';
import { logForwardingStep } from '../../steps/log-forwarding.js';
import { podsecMonitoringStep } from '../../steps/podsec-monitoring.js';
import { apiserverManifest } from './apiserver-manifest.js';
import { fakeWorld, haInventory, type FakeWorld } from './fake-context.js';

/** `systemctl show` answers: every unit active and enabled unless `states` says otherwise. */
function showReply(states: Record<string, string> = {}) {
  return (command: string) => {
    const units = [...command.matchAll(/'?(podsec-inotify-[a-z-]+\.(?:timer|service))'?/g)].map((m) => m[1]!);
    return { stdout: units.map((u) => `Id=${u}\nLoadState=loaded\nActiveState=${states[u] ?? 'active'}\nSubState=x\nUnitFileState=enabled\n`).join('\n') };
  };
}

const enabledUnits = (w: FakeWorld): string[] => (w.calls.find((c) => c.command.startsWith('systemctl enable --now'))?.command ?? '').split(' ').slice(3).map((u) => u.replace(/'/g, ''));

describe('podsec-monitoring', () => {
  it('a worker gets the node units; check-vuln only where /etc/hosts names trivy.local; the record is written', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    w.self.on(/^systemctl show/, showReply());
    w.self.write('/etc/hosts', '127.0.0.1 localhost\n10.0.1.1 registry.local sigstore.local trivy.local\n');
    const out = await podsecMonitoringStep.run(w.ctx, {});
    expect(enabledUnits(w)).toEqual(['podsec-inotify-check-policy.timer', 'podsec-inotify-check-images.timer', 'podsec-inotify-check-vuln.timer', 'podsec-inotify-check-containers.service']);
    expect(out).toEqual({ units: enabledUnits(w).join(',') });
    expect(w.self.files.get(MONITORING_RECORD)?.toString()).toBe(`${enabledUnits(w).join('\n')}\n`);
    expect(w.calls.some((c) => c.command.includes('audit.log'))).toBe(false);
  });

  it('a control plane adds the audit-log watch and its hand-over, and creates the empty log first', async () => {
    const w = fakeWorld(haInventory(), 'cp-2');
    w.self.on(/^systemctl show/, showReply());
    await podsecMonitoringStep.run(w.ctx, {});
    expect(enabledUnits(w)).toEqual(expect.arrayContaining(['podsec-inotify-check-kubeapi.service', 'podsec-inotify-check-kubeapi-mail.timer']));
    expect(enabledUnits(w)).not.toContain('podsec-inotify-check-vuln.timer');
    const touch = w.calls.findIndex((c) => c.command.startsWith('test -e /etc/kubernetes/audit/audit.log ||'));
    expect(touch).toBeGreaterThanOrEqual(0);
    expect(touch).toBeLessThan(w.calls.findIndex((c) => c.command.startsWith('systemctl enable --now')));
  });

  it('a unit that does not settle active fails the step (retryable), naming it and its state', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    w.self.on(/^systemctl show/, showReply({ 'podsec-inotify-check-kubeapi.service': 'activating' }));
    w.self.on(/^systemctl status/, { stdout: "tail: cannot open '/etc/kubernetes/audit/audit.log' for reading" });
    const err = await podsecMonitoringStep.run(w.ctx, { settle: '1ms' }).catch((e: unknown) => e as Error & { retryable: boolean });
    expect(err).toMatchObject({ retryable: true });
    expect(err!.message).toMatch(/podsec-inotify-check-kubeapi\.service is activating and enabled after 1ms: a sealed node would keep no monitoring.*tail: cannot open/);
    expect(w.self.files.has(MONITORING_RECORD)).toBe(false);
  });

  it('is done when every unit is enabled and active and the record names them', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    w.self.on(/^systemctl show/, showReply());
    expect(await podsecMonitoringStep.check!(w.ctx, {})).toEqual({ done: false });
    w.self.write(MONITORING_RECORD, 'podsec-inotify-check-policy.timer\npodsec-inotify-check-images.timer\npodsec-inotify-check-containers.service\n');
    expect(await podsecMonitoringStep.check!(w.ctx, {})).toMatchObject({ done: true });
  });
});

describe('audit-policy', () => {
  const policy = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n';

  it('passes with tuneAudit\'s manifest and the policy file', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    w.self.write('/etc/kubernetes/manifests/kube-apiserver.yaml', apiserverManifest(true)).write('/etc/kubernetes/audit/policy.yaml', policy);
    expect(await auditPolicyStep.run(w.ctx, {})).toEqual({ policy: '/etc/kubernetes/audit/policy.yaml' });
  });

  it('fails on kubeadm\'s manifest without the audit flags, saying what tuneAudit adds', async () => {
    const w = fakeWorld(haInventory(), 'cp-1');
    w.self.write('/etc/kubernetes/manifests/kube-apiserver.yaml', apiserverManifest(false)).write('/etc/kubernetes/audit/policy.yaml', policy);
    await expect(auditPolicyStep.run(w.ctx, {})).rejects.toThrow(/does not audit the API: no --audit-policy-file flag; no --audit-log-path flag; .*tuneAudit/);
  });

  it('fails when the policy the manifest names is missing', async () => {
    const w = fakeWorld(haInventory(), 'cp-2');
    w.self.write('/etc/kubernetes/manifests/kube-apiserver.yaml', apiserverManifest(true));
    await expect(auditPolicyStep.run(w.ctx, {})).rejects.toThrow(/\/etc\/kubernetes\/audit\/policy\.yaml is missing, though kube-apiserver is told to load it/);
  });
});

describe('log-forwarding', () => {
  it('with a target: journald and rsyslog drop-ins, rsyslogd -N1, the restarts, and a note where monitoring goes', async () => {
    const inv = haInventory();
    inv.cluster['syslog'] = 'tcp://10.0.9.9:6514';
    const w = fakeWorld(inv, 'lb-1');
    w.self.on('systemctl is-active rsyslog', { stdout: 'active\n' });
    expect(await logForwardingStep.run(w.ctx, {})).toEqual({ target: 'tcp://10.0.9.9:6514' });
    expect(w.self.files.get(RSYSLOG_DROP_IN)?.toString()).toContain('target="10.0.9.9" port="6514" protocol="tcp"');
    expect(w.self.files.get(JOURNALD_DROP_IN)?.toString()).toContain('ForwardToSyslog=yes');
    const order = ['rsyslogd -N1', 'systemctl restart systemd-journald', 'systemctl enable rsyslog && systemctl restart rsyslog'].map((c) => w.calls.findIndex((x) => x.command === c));
    expect(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!))).toBe(true);
    expect(w.logs).toContain("Monitoring: every node's log, podsec-inotify's findings included, is forwarded to tcp://10.0.9.9:6514 (rsyslog).");
  });

  it('a config rsyslogd refuses is removed again and fails the step', async () => {
    const inv = haInventory();
    inv.cluster['syslog'] = 'udp://10.0.9.9';
    const w = fakeWorld(inv, 'worker-1');
    w.self.on('rsyslogd -N1', { exitCode: 1, stderr: 'rsyslogd: error during parsing file /etc/rsyslog.d/60-podsec-play-forward.conf, on or before line 4: syntax error' });
    await expect(logForwardingStep.run(w.ctx, {})).rejects.toThrow(/rsyslogd -N1 refuses the configuration .*\(removed again\): .*syntax error/);
    expect(w.calls.some((c) => c.command === `rm -f ${RSYSLOG_DROP_IN}`)).toBe(true);
    expect(w.calls.some((c) => c.command.includes('restart rsyslog'))).toBe(false);
  });

  it('without a target: nothing is configured and the note says the findings stay on the nodes', async () => {
    const w = fakeWorld(haInventory(), 'worker-1');
    w.self.on(`test -e ${RSYSLOG_DROP_IN}`, { exitCode: 1 });
    expect(await logForwardingStep.run(w.ctx, {})).toEqual({ target: '' });
    expect(w.calls.filter((c) => c.viaContext).map((c) => c.command)).toEqual([]);
    expect(w.logs.join('\n')).toMatch(/no syslog target in the inventory \(cluster\.syslog\), so podsec-inotify's findings stay in each node's journal/);
  });
});

describe('disable-ssh and the monitoring record', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server?.listening ? server.close(() => r()) : r()));
    server = undefined;
  });

  async function world(): Promise<FakeWorld> {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const inv = haInventory();
    for (const h of inv.hosts) h.port = (server.address() as { port: number }).port;
    const w = fakeWorld(inv, 'cp-2');
    w.self.on('kubectl get nodes -o json', { stdout: JSON.stringify({ items: ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'].map((name) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True' }] } })) }) });
    w.self.on(SEAL_COMMAND, () => {
      server!.close();
      return {};
    });
    w.self.write(MONITORING_RECORD, 'podsec-inotify-check-policy.timer\npodsec-inotify-check-kubeapi.service\n');
    return w;
  }

  it('does not seal a node whose recorded units are no longer active', async () => {
    const w = await world();
    w.self.on(/^systemctl show/, showReply({ 'podsec-inotify-check-kubeapi.service': 'failed' }));
    await expect(disableSshStep.run(w.ctx, {})).rejects.toThrow(/not sealing: podsec-inotify-check-kubeapi\.service is failed and enabled/);
    expect(w.calls.some((c) => c.command === SEAL_COMMAND)).toBe(false);
  });

  it('seals once they are', async () => {
    const w = await world();
    w.self.on(/^systemctl show/, showReply());
    expect(await disableSshStep.run(w.ctx, { verifyTimeout: '5s' })).toMatchObject({ sealed: 'true' });
    expect(w.logs).toContain('monitoring active: podsec-inotify-check-policy.timer, podsec-inotify-check-kubeapi.service');
  });
});

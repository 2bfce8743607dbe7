// The pure parts of the monitoring and Internet-mode step kinds: which podsec-inotify units a
// node gets, systemctl show parsing, the audit flags of a kube-apiserver manifest, syslog
// targets and their rsyslog config, the public registry podsec's wrapper will pull from.
import { describe, expect, it } from 'vitest';
import { auditProblems, policyProblem, readAuditSettings } from '../../steps/lib/audit-manifest.js';
import { describeState, namesTrivy, parseShow, unitsFor } from '../../steps/lib/inotify-units.js';
import { probeProblem, publicRegistryHosts, settingProblem } from '../../steps/lib/public-registry.js';
import { formatTarget, monitoringNote, parseSyslogTarget, renderRsyslogForward } from '../../steps/lib/syslog-target.js';
import { apiserverManifest } from './apiserver-manifest.js';

describe('podsec-inotify units per node', () => {
  it('every node: policy, images, containers; control planes add the audit-log watch and its hand-over; check-vuln only with trivy.local', () => {
    expect(unitsFor({ controlPlane: false, trivy: false })).toEqual([
      'podsec-inotify-check-policy.timer',
      'podsec-inotify-check-images.timer',
      'podsec-inotify-check-containers.service',
    ]);
    expect(unitsFor({ controlPlane: true, trivy: true })).toEqual([
      'podsec-inotify-check-policy.timer',
      'podsec-inotify-check-images.timer',
      'podsec-inotify-check-vuln.timer',
      'podsec-inotify-check-containers.service',
      'podsec-inotify-check-kubeapi.service',
      'podsec-inotify-check-kubeapi-mail.timer',
    ]);
  });

  it('trivy.local counts only outside comments, as a name (not the address)', () => {
    expect(namesTrivy('127.0.0.1 localhost\n10.0.0.1 registry.local sigstore.local trivy.local\n')).toBe(true);
    expect(namesTrivy('# 10.0.0.1 trivy.local\n127.0.0.1 localhost\n')).toBe(false);
    expect(namesTrivy('10.0.0.1 registry.local sigstore.local\n')).toBe(false);
  });

  it('systemctl show blocks map to the units asked for, in order; a missing unit is not-found', () => {
    const out = 'Id=a.timer\nActiveState=active\nSubState=waiting\nLoadState=loaded\nUnitFileState=enabled\n\nId=b.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n';
    const s = parseShow(['a.timer', 'b.service'], out);
    expect(s.get('a.timer')).toEqual({ load: 'loaded', active: 'active', enabled: 'enabled' });
    expect(describeState('b.service', s.get('b.service'))).toBe('b.service does not exist (is podsec-inotify installed?)');
    expect(describeState('a.timer', { load: 'loaded', active: 'activating', enabled: 'enabled' })).toBe('a.timer is activating and enabled');
  });
});

describe('the audit flags of kube-apiserver.yaml (tuneAudit)', () => {
  it('after tuneAudit: the policy, the log the inotify check follows and the mounted directory', () => {
    const s = readAuditSettings(apiserverManifest(true));
    expect(s).toEqual({ policyFile: '/etc/kubernetes/audit/policy.yaml', logPath: '/etc/kubernetes/audit/audit.log', mounted: true });
    expect(auditProblems(s)).toEqual([]);
  });

  it('kubeadm\'s own manifest: every piece is named as missing', () => {
    expect(auditProblems(readAuditSettings(apiserverManifest(false)))).toEqual([
      'no --audit-policy-file flag',
      'no --audit-log-path flag',
      'no volume mounting /etc/kubernetes/audit into the kube-apiserver pod',
    ]);
  });

  it('a log elsewhere is not the one podsec-inotify-check-kubeapi follows', () => {
    const text = apiserverManifest(true).replace('--audit-log-path=/etc/kubernetes/audit/audit.log', '--audit-log-path=/var/log/audit.log');
    expect(auditProblems(readAuditSettings(text))).toEqual(['--audit-log-path is /var/log/audit.log, not /etc/kubernetes/audit/audit.log (the file podsec-inotify-check-kubeapi follows)']);
  });

  it('the policy must be an audit Policy with rules', () => {
    expect(policyProblem('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n')).toBeUndefined();
    expect(policyProblem('apiVersion: v1\nkind: ConfigMap\n')).toBe('it is not an audit policy (kind ConfigMap, apiVersion v1)');
    expect(policyProblem('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n')).toBe('it has no rules');
    expect(policyProblem('')).toBe('it is empty');
  });
});

describe('syslog targets', () => {
  it.each([
    ['tcp://10.0.0.5', { protocol: 'tcp', host: '10.0.0.5', port: 514 }],
    ['udp://logs.example.org:5140', { protocol: 'udp', host: 'logs.example.org', port: 5140 }],
    ['tcp://[fd00::5]:6514', { protocol: 'tcp', host: 'fd00::5', port: 6514 }],
  ])('%s', (text, want) => {
    expect(parseSyslogTarget(text)).toEqual(want);
  });

  it.each(['10.0.0.5:514', 'http://10.0.0.5', 'tcp://10.0.0.5:99999', 'tcp://a b'])('refuses %s', (text) => {
    expect(parseSyslogTarget(text)).toBeUndefined();
  });

  it('rsyslog forwards every message to the target with a queue that keeps retrying', () => {
    const t = parseSyslogTarget('tcp://10.0.0.5:6514')!;
    const conf = renderRsyslogForward(t);
    expect(conf).toContain('*.* action(type="omfwd" target="10.0.0.5" port="6514" protocol="tcp"');
    expect(conf).toContain('action.resumeRetryCount="-1"');
    expect(formatTarget(t)).toBe('tcp://10.0.0.5:6514');
  });

  it('the summary says where monitoring goes, or that it stays on the nodes', () => {
    expect(monitoringNote(parseSyslogTarget('udp://10.0.0.5'))).toContain('forwarded to udp://10.0.0.5:514');
    expect(monitoringNote(undefined)).toMatch(/no syslog target .* stay in each node's journal/);
  });
});

describe('the public registry of the Internet mode (setRegistryName)', () => {
  it('unset or any name: registry.altlinux.org; empty: registry.k8s.io and docker.io; registry.local is the secure mode', () => {
    expect(publicRegistryHosts(undefined)).toEqual(['registry.altlinux.org']);
    expect(publicRegistryHosts('registry.altlinux.org')).toEqual(['registry.altlinux.org']);
    expect(publicRegistryHosts('')).toEqual(['registry.k8s.io', 'registry-1.docker.io']);
    expect(settingProblem('registry.local')).toMatch(/secure mode/);
    expect(settingProblem('')).toBeUndefined();
  });

  it('any HTTP status is an answer; curl failures say why', () => {
    expect(probeProblem({ exitCode: 0, stdout: '401' })).toBeUndefined();
    expect(probeProblem({ exitCode: 6, stdout: '000' })).toBe('curl exit 6: could not resolve the host');
    expect(probeProblem({ exitCode: 28, stdout: '000' })).toBe('curl exit 28: timed out');
    expect(probeProblem({ exitCode: undefined, stdout: '' })).toBe('no answer (the probe timed out)');
  });
});

describe('the inventory schema', () => {
  it('takes cluster.syslog with the pattern the step parses', async () => {
    const { SYSLOG_TARGET_PATTERN } = await import('../../steps/lib/syslog-target.js');
    const schema = (await import('../../schemas/inventory.schema.json', { with: { type: 'json' } })).default as { properties: { cluster: { properties: Record<string, { pattern?: string }> } } };
    expect(schema.properties.cluster.properties['syslog']?.pattern).toBe(SYSLOG_TARGET_PATTERN);
  });
});

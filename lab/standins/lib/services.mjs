// systemd units of a node as JSON files in its /var/lib/lab/systemd/UNIT.json ({enabled,
// active, config}). The lab process watches sshd.json to open or close the node's SSH port.
// A unit a package installs exists only while that package is installed (podsec-inotify's
// services and timers, rsyslog's service), as a real unit file would. On a testbed node the
// units with a real daemon (lib/daemons.mjs) start and stop it, and are active exactly while it
// runs.
import { readdirSync } from 'node:fs';
import { readJson, writeText, fileOf, readText } from './files.mjs';
import { NODE } from './env.mjs';
import { daemonRunning, startDaemon, stopDaemon } from './daemons.mjs';
import { hasPackage } from './packages.mjs';

/** Units the nodes have (podsec-k8s, haproxy, keepalived, podsec-create-services' ones, the
 * journal and rsyslog, podsec-inotify's), with the other names they answer to. */
const KNOWN = {
  sshd: ['sshd', 'ssh', 'openssh-server'],
  u7s: ['u7s'],
  haproxy: ['haproxy'],
  keepalived: ['keepalived'],
  nginx: ['nginx'],
  'docker-registry': ['docker-registry'],
  trivy: ['trivy'],
  kubelet: ['kubelet'],
  'systemd-journald': ['systemd-journald'],
  rsyslog: ['rsyslog', 'syslog'],
  // podsec-inotify/services/* as podsec.spec installs them (alt-cloud/podsec 5014172; the
  // server-trivy unit is not in %files).
  'podsec-inotify-check-policy': ['podsec-inotify-check-policy'],
  'podsec-inotify-check-policy.timer': ['podsec-inotify-check-policy.timer'],
  'podsec-inotify-check-images': ['podsec-inotify-check-images'],
  'podsec-inotify-check-images.timer': ['podsec-inotify-check-images.timer'],
  'podsec-inotify-check-vuln': ['podsec-inotify-check-vuln'],
  'podsec-inotify-check-vuln.timer': ['podsec-inotify-check-vuln.timer'],
  'podsec-inotify-check-kubeapi': ['podsec-inotify-check-kubeapi'],
  'podsec-inotify-check-kubeapi-mail': ['podsec-inotify-check-kubeapi-mail'],
  'podsec-inotify-check-kubeapi-mail.timer': ['podsec-inotify-check-kubeapi-mail.timer'],
  'podsec-inotify-check-containers': ['podsec-inotify-check-containers'],
};

/** The package whose unit file it is (units not listed come with the system or podsec-k8s). */
function packageOf(unit) {
  if (unit.startsWith('podsec-inotify-')) return 'podsec-inotify';
  if (unit === 'rsyslog') return 'rsyslog-classic';
  return undefined;
}

/** podsec-inotify's oneshot checks: started by their timers, inactive again when they are done. */
export function isOneshot(unit) {
  return /^podsec-inotify-check-(policy|images|vuln|kubeapi-mail)$/.test(unit);
}

/** The unit's full name (`rsyslog.service`, `podsec-inotify-check-policy.timer`). */
export function unitId(unit) {
  return /\.(timer|socket|target|path)$/.test(unit) ? unit : `${unit}.service`;
}

/** `ssh.service` → `sshd`; undefined for a unit the node does not have. */
export function canonicalUnit(name, node = NODE) {
  const bare = name.replace(/\.service$/, '');
  const unit = Object.keys(KNOWN).find((u) => KNOWN[u].includes(bare));
  if (unit === undefined) return undefined;
  const pkg = packageOf(unit);
  return pkg === undefined || hasPackage(pkg, node) ? unit : undefined;
}

const stateFile = (unit) => `/var/lib/lab/systemd/${unit}.json`;

export function unitState(unit, node = NODE) {
  const s = readJson(stateFile(unit), node) ?? {};
  const real = daemonRunning(unit, node);
  return { ...s, enabled: s.enabled === true, active: real ?? s.active === true };
}

/** Change a unit's state; on a testbed node, (de)activating a unit with a real daemon starts or
 * stops it first (a DaemonError when it does not start leaves the state as it was). */
export function setUnitState(unit, patch, node = NODE) {
  if (node === NODE && 'active' in patch && daemonRunning(unit, node) !== undefined) {
    if (patch.active) startDaemon(unit);
    else stopDaemon(unit);
  }
  const next = { ...unitState(unit, node), ...patch };
  writeText(stateFile(unit), JSON.stringify(next) + '\n', { node });
  return next;
}

export function isActive(unit, node = NODE) {
  return unitState(unit, node).active;
}

/**
 * What `systemctl is-active` says: a started unit is `active`, except podsec-inotify-check-kubeapi
 * while there is no /etc/kubernetes/audit/audit.log — its `tail -f` gives up on a missing file,
 * the pipeline ends and Restart=always (RestartSec=1s) brings it back, so systemd shows it
 * `activating` (auto-restart) most of the time.
 */
export function activeState(unit, node = NODE) {
  const s = unitState(unit, node);
  if (s.active && unit === 'podsec-inotify-check-kubeapi' && readText('/etc/kubernetes/audit/audit.log', node) === undefined) return 'activating';
  if (s.active) return 'active';
  return s.failed ? 'failed' : 'inactive';
}

export function knownUnits(node = NODE) {
  let present = [];
  try {
    present = readdirSync(fileOf('/var/lib/lab/systemd', node)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  } catch {
    // no units yet
  }
  return [...new Set([...Object.keys(KNOWN), ...present])].filter((u) => canonicalUnit(u, node) !== undefined || !(u in KNOWN));
}

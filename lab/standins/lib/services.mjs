// systemd units of a node as JSON files in its /var/lib/lab/systemd/UNIT.json ({enabled,
// active, config}). The lab process watches sshd.json to open or close the node's SSH port. On a
// testbed node the units with a real daemon (lib/daemons.mjs) start and stop it, and are active
// exactly while it runs.
import { readdirSync } from 'node:fs';
import { readJson, writeText, fileOf } from './files.mjs';
import { NODE } from './env.mjs';
import { daemonRunning, startDaemon, stopDaemon } from './daemons.mjs';

/** Units the nodes have (podsec-k8s, haproxy, keepalived, podsec-create-services' ones). */
const KNOWN = {
  sshd: ['sshd', 'ssh', 'openssh-server'],
  u7s: ['u7s'],
  haproxy: ['haproxy'],
  keepalived: ['keepalived'],
  nginx: ['nginx'],
  'docker-registry': ['docker-registry'],
  trivy: ['trivy'],
  kubelet: ['kubelet'],
};

/** `ssh.service` → `sshd`; undefined for a unit the node does not have. */
export function canonicalUnit(name) {
  const bare = name.replace(/\.service$/, '');
  return Object.keys(KNOWN).find((unit) => KNOWN[unit].includes(bare));
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

export function knownUnits(node = NODE) {
  let present = [];
  try {
    present = readdirSync(fileOf('/var/lib/lab/systemd', node)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  } catch {
    // no units yet
  }
  return [...new Set([...Object.keys(KNOWN), ...present])];
}

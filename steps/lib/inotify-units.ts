// Which of podsec-inotify's systemd units belong on which node, read from podsec's package
// (alt-cloud/podsec commit 5014172: podsec-inotify/services/*, podsec.spec %files inotify,
// podsec-inotify/bin/*). A sealed cluster cannot be polled by nagios over SSH (check_ssh, the
// package's README), so these units — which write their findings to the system log with
// `logger` — are the only security monitoring left after the seal.
//
// What the package installs in /lib/systemd/system (podsec-inotify-server-trivy.service is in
// the source tree but not in %files: the trivy server is trivy.service of trivy-server, which
// podsec-create-services enables on the registry host):
// - check-policy / check-images / check-vuln: oneshot services, each with an hourly timer
//   (OnCalendar=hourly). The timer is what runs them: enabled and active (waiting), while the
//   oneshot service is inactive between runs.
// - check-kubeapi: `podsec-inotify-check-kubeapi -d`, Restart=always, After=u7s.service; it runs
//   `tail -f /etc/kubernetes/audit/audit.log`, the API audit log that only a control plane's
//   kube-apiserver writes (the wrapper's tuneAudit), so it belongs on control planes only;
//   check-kubeapi-mail.timer (hourly, `-m`) hands its forbidden.log on and empties it.
// - check-containers: inotifywait over rootful and rootless container overlays (u7s-admin's
//   included), Restart=always with RuntimeMaxSec=100: on every node.
// - check-vuln asks the trivy server at trivy.local:4954 (U7S_TRIVY_SERVER in its unit): it
//   belongs where /etc/hosts names trivy.local (podsec-create-policy's line: the secure mode).

import { quote } from '../../engine/util/shell.js';

export type InotifyRole = 'node' | 'control-plane';

export interface InotifyUnit {
  /** The unit podsec-play enables and starts (the timer for the hourly checks). */
  unit: string;
  /** What it watches, for messages. */
  what: string;
  /** On every node, or only on control planes. */
  on: InotifyRole;
  /** Only where /etc/hosts names trivy.local (the trivy server of the secure mode). */
  needsTrivy?: boolean;
}

export const INOTIFY_UNITS: readonly InotifyUnit[] = [
  { unit: 'podsec-inotify-check-policy.timer', what: 'hourly check of the image policy (policy.json, registries.d)', on: 'node' },
  { unit: 'podsec-inotify-check-images.timer', what: 'hourly check of cached images against the policy', on: 'node' },
  { unit: 'podsec-inotify-check-vuln.timer', what: 'hourly trivy scan of cached images (trivy.local:4954)', on: 'node', needsTrivy: true },
  { unit: 'podsec-inotify-check-containers.service', what: 'inotify watch of container file systems', on: 'node' },
  { unit: 'podsec-inotify-check-kubeapi.service', what: 'API audit log watch (/etc/kubernetes/audit/audit.log)', on: 'control-plane' },
  { unit: 'podsec-inotify-check-kubeapi-mail.timer', what: 'hourly hand-over of forbidden API requests', on: 'control-plane' },
];

export const INOTIFY_UNIT_NAMES = INOTIFY_UNITS.map((u) => u.unit);

/** The units a node gets: every node's, the control planes' on a control plane, check-vuln where
 * trivy.local resolves. */
export function unitsFor(o: { controlPlane: boolean; trivy: boolean }): string[] {
  return INOTIFY_UNITS.filter((u) => (u.on === 'node' || o.controlPlane) && (!u.needsTrivy || o.trivy)).map((u) => u.unit);
}

/** Does a hosts file name trivy.local (outside comments)? */
export function namesTrivy(hosts: string): boolean {
  return hosts.split(/\r?\n/).some((line) => line.replace(/#.*/, '').trim().split(/\s+/).slice(1).includes('trivy.local'));
}

/** A unit's state as `systemctl show` tells it. */
export interface UnitState {
  /** LoadState: loaded, not-found, masked… */
  load: string;
  /** ActiveState: active, activating, inactive, failed… */
  active: string;
  /** UnitFileState: enabled, disabled, static… ('' when there is no unit file). */
  enabled: string;
}

/** The properties podsec-play asks `systemctl show` for, one block per unit. */
export function showCommand(units: readonly string[]): string {
  return `systemctl show --property=Id,LoadState,ActiveState,SubState,UnitFileState ${units.map(quote).join(' ')}`;
}

/** `systemctl show` output (blocks of KEY=value, a blank line between units, in the order asked;
 * systemd orders the properties its own way) → state per unit asked for. */
export function parseShow(units: readonly string[], stdout: string): Map<string, UnitState> {
  const blocks = stdout.split(/\r?\n\s*\r?\n/).map((b) => b.trim()).filter(Boolean);
  const out = new Map<string, UnitState>();
  units.forEach((unit, i) => {
    const kv = new Map<string, string>();
    for (const line of (blocks[i] ?? '').split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
    out.set(unit, { load: kv.get('LoadState') ?? 'unknown', active: kv.get('ActiveState') ?? 'unknown', enabled: kv.get('UnitFileState') ?? '' });
  });
  return out;
}

/** Words for a unit that is not as it should be. */
export function describeState(unit: string, s: UnitState | undefined): string {
  if (!s) return `${unit}: no answer`;
  if (s.load === 'not-found') return `${unit} does not exist (is podsec-inotify installed?)`;
  return `${unit} is ${s.active} and ${s.enabled || 'has no unit file state'}`;
}

/** The units a sealed node keeps running, recorded on the node by the monitoring step and read
 * again by disable-ssh just before it turns SSH off. */
export const MONITORING_RECORD = '/var/lib/podsec-play/monitoring-units';

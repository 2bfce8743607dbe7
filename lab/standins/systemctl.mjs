#!/usr/bin/env node
// systemctl stand-in: units of this node as JSON state (lib/services.mjs). Starting haproxy or
// keepalived checks and snapshots its config (the running config is what the network sees);
// stopping sshd closes the node's SSH port (the lab watches the unit) and waits until it has.
// podsec-inotify's units exist while that package is installed; its oneshot checks run and end
// (their timers stay active), check-kubeapi keeps restarting without an audit log to follow;
// starting rsyslog checks its configuration like `rsyslogd -N1` and snapshots where it forwards.
// Every call that stops sshd records the units active at that moment (`activeUnits`).
// On a testbed node the units with a real daemon start and stop it (lib/daemons.mjs).
// Models: systemd's systemctl for the units podsec and the playbooks use (u7s.service: podsec-k8s;
// podsec-inotify/services/*: alt-cloud/podsec 5014172).
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { standin, fail, out, err } from './lib/main.mjs';
import { activeState, canonicalUnit, isOneshot, unitId, unitState, setUnitState, knownUnits } from './lib/services.mjs';
import { parseRsyslog } from './lib/rsyslog-config.mjs';
import { currentUser, nodeInfo, NODE } from './lib/env.mjs';
import { readText } from './lib/files.mjs';
import { readCluster } from './lib/cluster.mjs';
import { parseHaproxy, boundPorts } from './lib/haproxy-config.mjs';
import { missingInterfaces, parseKeepalived } from './lib/keepalived-config.mjs';
import { DaemonError, testbedInfo } from './lib/daemons.mjs';
import { hostConfig } from './lib/host-config.mjs';
import { listeningOf } from './lib/host.mjs';

const CONFIG = { haproxy: '/etc/haproxy/haproxy.cfg', keepalived: '/etc/keepalived/keepalived.conf' };
const TITLES = {
  sshd: 'OpenSSH server daemon',
  u7s: 'Usernetes (rootless kubernetes) service',
  haproxy: 'HAProxy Load Balancer',
  keepalived: 'LVS and VRRP High Availability Monitor',
  nginx: 'nginx web server',
  'docker-registry': 'Docker Registry',
  trivy: 'Trivy server',
  kubelet: 'kubelet',
  'systemd-journald': 'Journal Service',
  rsyslog: 'System Logging Service',
  'podsec-inotify-check-policy': 'Check the images to see if they match the containerization policy settings on the host and output violations in the system log',
  'podsec-inotify-check-policy.timer': 'Check containerization policy settings on the host and output violations in the system log',
  'podsec-inotify-check-images': 'Check the images to see if they match the containerization policy settings on the host and output violations in the system log',
  'podsec-inotify-check-images.timer': 'Check the images to see if they match the containerization policy settings on the host and output violations in the system log',
  'podsec-inotify-check-vuln': 'Monitoring host docker images with trivy security scanner',
  'podsec-inotify-check-vuln.timer': 'Monitoring host docker images with trivy security scanner',
  'podsec-inotify-check-kubeapi': 'Kubernetes api audit log monitoring service',
  'podsec-inotify-check-kubeapi-mail': 'Monitoring of unauthorized access to kune api',
  'podsec-inotify-check-kubeapi-mail.timer': 'Monitoring of unauthorized access to kubeapi',
  'podsec-inotify-check-containers': 'Run inotifywait for podman containers',
};
const ROOTLESSKIT_PORTS = { controlPlane: [2379, 2380, 6443, 10250, 10255, 10256], worker: [10250, 10255, 10256] };

/** Why `unit` cannot start with its current config (undefined: it can), plus the config text. */
function preStart(unit) {
  if (unit === 'rsyslog') {
    const { errors, forwards } = parseRsyslog();
    if (errors.length) return { error: errors.join('\n') };
    return { config: forwards.map((f) => `${f.protocol}://${f.host}:${f.port}`).join('\n') };
  }
  const file = CONFIG[unit];
  if (!file) return {};
  const text = readText(file);
  if (text === undefined) return { error: `${file}: No such file or directory` };
  // A testbed node runs the real haproxy and keepalived: they judge their config, interfaces
  // and ports themselves (a failure to come up is reported from their log).
  if (testbedInfo()) return { config: text };
  const errors = unit === 'haproxy' ? parseHaproxy(text, file).errors : parseKeepalived(text).errors;
  if (errors.length) return { error: errors.join('\n') };
  if (unit === 'haproxy') {
    const me = readCluster().nodes[NODE];
    const u7s = unitState('u7s').active;
    const taken = !me || !u7s ? [] : me.controlPlane ? ROOTLESSKIT_PORTS.controlPlane : ROOTLESSKIT_PORTS.worker;
    const clash = boundPorts(parseHaproxy(text, file)).find((p) => taken.includes(p));
    if (clash) return { error: `Starting frontend: cannot bind socket (Address already in use) [0.0.0.0:${clash}] (rootlesskit publishes it)` };
    // Another program of the node (host.json's listening) holds a port haproxy wants.
    const other = listeningOf().find((l) => l.proto === 'tcp' && l.process !== 'haproxy' && boundPorts(parseHaproxy(text, file)).includes(l.port));
    if (other) return { error: `Starting frontend: cannot bind socket (Address already in use) [0.0.0.0:${other.port}] (${other.process} holds it)` };
  }
  if (unit === 'keepalived') {
    const instances = parseKeepalived(text).instances;
    const missing = missingInterfaces(instances, ['lo', hostConfig().interface]);
    if (missing.length === instances.length && missing.length > 0) return { error: `${missing.join('\n')}\nStopped - no VRRP instance can run on this node` };
  }
  return { config: text };
}

/** Wait until this node's SSH port accepts (open) or refuses (closed) connections. */
async function waitPort(open) {
  const port = nodeInfo()?.port;
  if (!port) return true;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const accepting = await new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (accepting === open) return true;
    await delay(10);
  }
  return false;
}

async function start(unit, record) {
  const { error, config } = preStart(unit);
  if (error) {
    setUnitState(unit, { active: false, failed: true, lastError: error });
    err(`Job for ${unit}.service failed because the control process exited with error code.\nSee "systemctl status ${unit}.service" and "journalctl -xeu ${unit}.service" for details.\n`);
    return false;
  }
  if (isOneshot(unit)) {
    // Type=oneshot: the check runs and ends; the unit is inactive again (its timer stays active).
    setUnitState(unit, { active: false, failed: false, lastError: undefined, lastRun: new Date().toISOString() });
    record.ran = [...(record.ran ?? []), unit];
    return true;
  }
  try {
    setUnitState(unit, { active: true, failed: false, lastError: undefined, since: new Date().toISOString(), ...(config !== undefined ? { config } : {}) });
  } catch (e) {
    if (!(e instanceof DaemonError)) throw e;
    // a testbed node's real daemon did not come up: what its log said goes to `systemctl status`
    setUnitState(unit, { active: false, failed: true, lastError: e.message });
    err(`Job for ${unit}.service failed because the control process exited with error code.\nSee "systemctl status ${unit}.service" and "journalctl -xeu ${unit}.service" for details.\n`);
    return false;
  }
  if (unit === 'rsyslog') record.forwardsTo = config ? config.split('\n') : [];
  // (a testbed's real sshd is listening once it has started)
  if (unit === 'sshd' && !testbedInfo() && !(await waitPort(true))) fail(`lab: the SSH port of ${NODE} did not open`);
  record.started = [...(record.started ?? []), unit];
  return true;
}

async function stop(unit, record) {
  try {
    setUnitState(unit, { active: false, config: undefined });
  } catch (e) {
    if (e instanceof DaemonError) fail(`Failed to stop ${unit}.service: ${e.message}`);
    throw e;
  }
  if (unit === 'sshd') {
    record.activeUnits = knownUnits().filter((u) => activeState(u) === 'active').map(unitId);
    // (a testbed's real sshd has been waited for: its port refuses connections)
    if (!testbedInfo() && !(await waitPort(false))) fail(`lab: the SSH port of ${NODE} did not close`);
    record.sshClosed = true;
  }
  record.stopped = [...(record.stopped ?? []), unit];
}

function status(unit, name) {
  const s = unitState(unit);
  const enabled = s.enabled ? 'enabled' : 'disabled';
  const state = activeState(unit);
  const running = unit.endsWith('.timer') ? 'active (waiting)' : 'active (running)';
  const active =
    state === 'active' ? `${running} since ${s.since ?? 'boot'}` : state === 'activating' ? 'activating (auto-restart) (Result: success)' : s.failed ? 'failed (Result: exit-code)' : 'inactive (dead)';
  out(`${state === 'active' ? '●' : '○'} ${unitId(unit)} - ${TITLES[unit] ?? unit}\n     Loaded: loaded (/lib/systemd/system/${unitId(unit)}; ${enabled}; vendor preset: disabled)\n     Active: ${active}\n`);
  if (state === 'activating') out(`\n${name}: tail: cannot open '/etc/kubernetes/audit/audit.log' for reading: No such file or directory\n${name}: tail: no files remaining\n`);
  if (s.lastError) out(`\n${s.lastError.split('\n').map((l) => `${name}: ${l}`).join('\n')}\n`);
  return state === 'active' ? 0 : 3;
}

const MUTATING = ['enable', 'disable', 'start', 'stop', 'restart', 'reload', 'try-restart', 'reload-or-restart', 'mask', 'unmask'];

standin(async (args, record) => {
  const opts = new Set(args.filter((a) => a.startsWith('-')));
  const [verb = 'list-units', ...names] = args.filter((a) => !a.startsWith('-'));
  const now = opts.has('--now');
  const quiet = opts.has('-q') || opts.has('--quiet');
  record.event = 'systemctl';
  record.action = verb;
  if (verb === 'daemon-reload') return 0;
  if (verb === 'list-units') {
    for (const u of knownUnits()) {
      if (activeState(u) === 'active') out(`${unitId(u)} loaded active ${u.endsWith('.timer') ? 'waiting' : 'running'} ${TITLES[u] ?? u}\n`);
    }
    return 0;
  }
  if (MUTATING.includes(verb) && currentUser() !== 'root') fail(`Failed to ${verb} ${names.join(' ')}: Access denied`);
  if (names.length === 0) fail(`Too few arguments.`);
  const units = names.map((n) => [n, canonicalUnit(n)]);
  record.units = units.map(([n, u]) => u ?? n);
  let code = 0;
  if (verb === 'show') {
    // One block per unit, a blank line between; systemd lists the properties in its own order.
    const wanted = [...opts].flatMap((o) => (o.startsWith('--property=') ? o.slice(11).split(',') : o.startsWith('-p') && o.length > 2 ? o.slice(2).split(',') : []));
    const blocks = units.map(([name, unit]) => {
      const id = unit ? unitId(unit) : /\.[a-z]+$/.test(name) ? name : `${name}.service`;
      const s = unit ? unitState(unit) : undefined;
      const active = unit ? activeState(unit) : 'inactive';
      const props = {
        Id: id,
        LoadState: unit ? 'loaded' : 'not-found',
        ActiveState: active,
        SubState: active === 'active' ? (id.endsWith('.timer') ? 'waiting' : 'running') : active === 'activating' ? 'auto-restart' : s?.failed ? 'failed' : 'dead',
        UnitFileState: unit ? (s?.masked ? 'masked' : s?.enabled ? 'enabled' : 'disabled') : '',
      };
      return Object.entries(props)
        .filter(([k]) => wanted.length === 0 || wanted.includes(k))
        .map(([k, v]) => `${k}=${v}\n`)
        .join('');
    });
    out(blocks.join('\n'));
    return 0;
  }
  for (const [name, unit] of units) {
    const svc = unitId(name.replace(/\.service$/, ''));
    if (!unit) {
      if (verb === 'is-active' || verb === 'is-failed') {
        if (!quiet) out('inactive\n');
        code = 3;
        continue;
      }
      if (verb === 'status') fail(`Unit ${svc} could not be found.`, 4);
      if (verb === 'enable' || verb === 'disable' || verb === 'is-enabled') fail(`Failed to ${verb === 'is-enabled' ? 'get unit file state for' : verb + ' unit:'} Unit file ${svc} does not exist.`);
      fail(`Failed to ${verb} ${svc}: Unit ${svc} not found.`, 5);
    }
    switch (verb) {
      case 'enable':
        setUnitState(unit, { enabled: true });
        if (now && !unitState(unit).active && !(await start(unit, record))) code = 1;
        break;
      case 'disable':
        setUnitState(unit, { enabled: false });
        if (now) await stop(unit, record);
        break;
      case 'start':
        if (!unitState(unit).active && !(await start(unit, record))) code = 1;
        break;
      case 'stop':
        await stop(unit, record);
        break;
      case 'restart':
      case 'reload':
      case 'reload-or-restart':
        if (unit === 'sshd') break; // a restarted sshd keeps listening; sessions survive
        // a testbed's real daemon must read its new config: stop it first
        if (testbedInfo() && unitState(unit).active) await stop(unit, record);
        if (!(await start(unit, record))) code = 1;
        break;
      case 'try-restart':
        if (unitState(unit).active) {
          if (testbedInfo()) await stop(unit, record);
          if (!(await start(unit, record))) code = 1;
        }
        break;
      case 'is-active': {
        const state = activeState(unit);
        if (!quiet) out(`${state}\n`);
        if (state !== 'active') code = 3;
        break;
      }
      case 'is-failed': {
        const s = unitState(unit);
        if (!quiet) out(s.failed ? 'failed\n' : `${activeState(unit)}\n`);
        if (!s.failed) code = 1;
        break;
      }
      case 'is-enabled': {
        const s = unitState(unit);
        if (!quiet) out(s.enabled ? 'enabled\n' : 'disabled\n');
        if (!s.enabled) code = 1;
        break;
      }
      case 'status':
        code = Math.max(code, status(unit, name));
        break;
      case 'mask':
      case 'unmask':
        setUnitState(unit, { enabled: false, masked: verb === 'mask' });
        break;
      default:
        fail(`Unknown command verb ${verb}.`);
    }
  }
  return code;
});

// `podsec-monitoring`: switch on, before the seal, the podsec-inotify units that belong on this
// node (steps/lib/inotify-units.ts: the hourly policy and image checks and the container watch
// everywhere, the trivy scan where trivy.local resolves, the API audit-log watch and its hourly
// hand-over on control planes), then prove each is enabled and active. With SSH off nagios can
// no longer call the checks (check_ssh), so these units are the node's monitoring from then on.
// The units it proved active are recorded on the node for disable-ssh to prove again just
// before it turns SSH off.
import { command, quote } from '../engine/util/shell.js';
import type { StepContext } from '../engine/step-kind.js';
import { defineStep } from '../engine/step-kind.js';
import { AUDIT_LOG } from './lib/audit-manifest.js';
import { isControlPlane } from './lib/cluster-hosts.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { stepError } from './lib/fail.js';
import { describeState, INOTIFY_UNIT_NAMES, MONITORING_RECORD, namesTrivy, parseShow, showCommand, unitsFor, type UnitState } from './lib/inotify-units.js';
import { poll } from './lib/poll.js';
import { packageInstalled } from './lib/preflight-host.js';
import { hostRemote, readIfExists, selfQuiet } from './lib/remote.js';

export interface PodsecMonitoringWith {
  /** The units to enable and start instead of podsec's set for this node's role. */
  units?: string[];
  /** The trivy scan (check-vuln): default where /etc/hosts names trivy.local. */
  vuln?: boolean;
  /** How long the units may take to report active (default 30s). */
  settle?: string;
}

export const podsecMonitoringStep = defineStep<PodsecMonitoringWith>({
  kind: 'podsec-monitoring',
  description: "Enable and start this node's podsec-inotify security checks before the seal, and prove they are active.",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      units: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: INOTIFY_UNIT_NAMES } },
      vuln: { type: 'boolean' },
      settle: DURATION_SCHEMA,
    },
  },
  outputs: () => [{ name: 'units', secret: false }],
  title: () => 'podsec-inotify monitoring on',
  preflight: [packageInstalled('podsec-inotify', "podsec's security checks, the only monitoring a sealed node keeps")],
  async check(ctx, w) {
    const units = await chosenUnits(ctx, w);
    const states = await unitStates(ctx, units);
    const off = units.filter((u) => states.get(u)?.active !== 'active' || states.get(u)?.enabled !== 'enabled');
    const recorded = (await readIfExists(selfQuiet(ctx), MONITORING_RECORD))?.toString('utf8') ?? '';
    if (off.length > 0 || recorded !== record(units)) return { done: false };
    return { done: true, reason: `${units.join(', ')} enabled and active`, outputs: { units: units.join(',') } };
  },
  async run(ctx, w) {
    const units = await chosenUnits(ctx, w);
    const remote = hostRemote(ctx);
    if (units.includes('podsec-inotify-check-kubeapi.service')) {
      // check-kubeapi runs `tail -f` on the audit log, which gives up on a missing file (systemd
      // then restarts it every second). kube-apiserver opens the log only at its first audited
      // request, and the policy leaves out the system users and the admin: create it empty for
      // kube-apiserver (u7s-admin's, in its namespace) to append to.
      await remote.run(`test -e ${AUDIT_LOG} || { : > ${AUDIT_LOG} && chmod 0600 ${AUDIT_LOG} && chown u7s-admin:u7s-admin ${AUDIT_LOG}; }`, { what: `creating ${AUDIT_LOG}` });
    }
    await remote.run(command('systemctl', 'enable', '--now', ...units), { what: 'systemctl enable --now' });
    const settleMs = parseDuration(w.settle, '30s');
    let last = new Map<string, UnitState>();
    const settled = await poll(
      async () => {
        last = await unitStates(ctx, units);
        return units.every((u) => last.get(u)?.active === 'active') ? true : undefined;
      },
      { timeoutMs: settleMs, intervalMs: 1000, signal: ctx.signal },
    );
    const notEnabled = units.filter((u) => last.get(u)?.enabled !== 'enabled');
    if (!settled || notEnabled.length > 0) {
      const bad = units.filter((u) => last.get(u)?.active !== 'active' || last.get(u)?.enabled !== 'enabled');
      const status = await selfQuiet(ctx).exec(`systemctl status --no-pager -n 5 ${bad.map(quote).join(' ')}`);
      const detail = status.stdout.split(/\r?\n/).filter((l) => l.trim()).slice(0, 12).join(' | ');
      throw stepError(
        ctx,
        `${bad.map((u) => describeState(u, last.get(u))).join('; ')} ` +
          `after ${w.settle ?? '30s'}: a sealed node would keep no monitoring. systemctl status: ${detail || '(nothing)'}`,
        true,
      );
    }
    await remote.upload({ path: MONITORING_RECORD, content: Buffer.from(record(units)), mode: 0o644 });
    ctx.log(`enabled and active: ${units.join(', ')}`);
    return { units: units.join(',') };
  },
});

const record = (units: string[]): string => `${units.join('\n')}\n`;

async function chosenUnits(ctx: StepContext, w: PodsecMonitoringWith): Promise<string[]> {
  if (w.units) return w.units;
  const trivy = w.vuln ?? namesTrivy((await readIfExists(selfQuiet(ctx), '/etc/hosts'))?.toString('utf8') ?? '');
  return unitsFor({ controlPlane: isControlPlane(ctx.host), trivy });
}

/** Every unit's load, active and unit-file state, in one round trip. */
async function unitStates(ctx: StepContext, units: string[]): Promise<Map<string, UnitState>> {
  const r = await selfQuiet(ctx).exec(showCommand(units));
  return parseShow(units, r.stdout);
}

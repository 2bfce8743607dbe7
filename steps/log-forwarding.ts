// `log-forwarding`: before the seal, send this host's log where the inventory says
// (cluster.syslog: `tcp://HOST:514`), through its own journald (ForwardToSyslog=yes) and rsyslog
// (an omfwd action): with SSH off, nagios can no longer call podsec-inotify's checks and nobody
// can read the node's journal over SSH. The config is checked with `rsyslogd -N1` before rsyslog
// restarts with it, and rsyslog must be active after. Without a target it removes a forwarding
// of an earlier run and the summary says that monitoring results stay on the nodes.
import type { PreflightContext, StepContext } from '../engine/step-kind.js';
import { defineStep } from '../engine/step-kind.js';
import { stepError } from './lib/fail.js';
import type { AnyCheck } from './lib/preflight-host.js';
import { hostRemote, readIfExists, selfQuiet } from './lib/remote.js';
import {
  formatTarget,
  JOURNALD_DROP_IN,
  monitoringNote,
  parseSyslogTarget,
  renderJournaldForward,
  renderRsyslogForward,
  RSYSLOG_DIR,
  RSYSLOG_DROP_IN,
  SYSLOG_TARGET_PATTERN,
  type SyslogTarget,
} from './lib/syslog-target.js';

export interface LogForwardingWith {
  /** `udp://HOST[:PORT]` or `tcp://HOST[:PORT]` (port 514 by default). Default: cluster.syslog. */
  target?: string;
}

/** The target this step forwards to; undefined when neither `with` nor the inventory names one. */
export function targetOf(ctx: Pick<StepContext, 'cluster' | 'host'>, w: LogForwardingWith): SyslogTarget | undefined {
  const text = w.target ?? (typeof ctx.cluster['syslog'] === 'string' ? ctx.cluster['syslog'] : undefined);
  if (text === undefined || text.trim() === '') return undefined;
  const t = parseSyslogTarget(text);
  if (!t) throw stepError(ctx, `the syslog target "${text}" is not udp://HOST[:PORT] or tcp://HOST[:PORT]`);
  return t;
}

const rsyslogInstalled: AnyCheck = {
  id: 'rsyslog-installed',
  title: () => 'rsyslog installed (the log leaves the node through it)',
  needs: { paths: [RSYSLOG_DIR] },
  evaluate(ctx: PreflightContext, w: LogForwardingWith) {
    let t: SyslogTarget | undefined;
    try {
      t = targetOf(ctx, w);
    } catch (err) {
      return { ok: false, reason: (err as Error).message, fix: 'write cluster.syslog as tcp://HOST:PORT or udp://HOST:PORT' };
    }
    if (!t) return { ok: true, detail: 'no syslog target: nothing to forward' };
    if (ctx.facts.paths?.[RSYSLOG_DIR]) return { ok: true, detail: `${RSYSLOG_DIR} present` };
    return {
      ok: false,
      reason: `${RSYSLOG_DIR} does not exist on ${ctx.host.name}: rsyslog is not installed, and the syslog target ${formatTarget(t)} is reached through it`,
      fix: 'apt-get install rsyslog-classic (ALT\'s rsyslog with /etc/rsyslog.conf), or leave cluster.syslog out (monitoring then stays in each node\'s journal)',
    };
  },
};

export const logForwardingStep = defineStep<LogForwardingWith>({
  kind: 'log-forwarding',
  description: "Forward this host's log (podsec-inotify's findings included) to the inventory's syslog target before the seal.",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { target: { type: 'string', pattern: `${SYSLOG_TARGET_PATTERN}|^$` } },
  },
  outputs: () => [{ name: 'target', secret: false }],
  title: (w) => (w.target ? `forward the log to ${w.target}` : 'forward the log to the syslog target'),
  preflight: [rsyslogInstalled],
  async check(ctx, w) {
    const t = targetOf(ctx, w);
    if (!t) return { done: false }; // run says where monitoring goes (and removes an old forwarding)
    const remote = selfQuiet(ctx);
    const rsyslog = (await readIfExists(remote, RSYSLOG_DROP_IN))?.toString('utf8');
    const journald = (await readIfExists(remote, JOURNALD_DROP_IN))?.toString('utf8');
    const active = (await remote.exec('systemctl is-active rsyslog')).stdout.trim();
    if (rsyslog !== renderRsyslogForward(t) || journald !== renderJournaldForward() || active !== 'active') return { done: false };
    ctx.note(monitoringNote(t));
    return { done: true, reason: `already forwarding to ${formatTarget(t)}`, outputs: { target: formatTarget(t) } };
  },
  async run(ctx, w) {
    const t = targetOf(ctx, w);
    const remote = hostRemote(ctx);
    if (!t) {
      const old = await selfQuiet(ctx).exec(`test -e ${RSYSLOG_DROP_IN}`);
      if (old.exitCode === 0) {
        await remote.run(`rm -f ${RSYSLOG_DROP_IN} ${JOURNALD_DROP_IN} && systemctl try-restart rsyslog && systemctl restart systemd-journald`, { what: 'removing the forwarding of an earlier run' });
        ctx.log('the inventory names no syslog target any more: the forwarding of an earlier run is removed');
      }
      ctx.note(monitoringNote(undefined));
      return { target: '' };
    }
    await remote.run('mkdir -p /etc/rsyslog.d /etc/systemd/journald.conf.d', { what: 'creating the configuration directories' });
    await remote.upload({ path: RSYSLOG_DROP_IN, content: Buffer.from(renderRsyslogForward(t)), mode: 0o644 });
    await remote.upload({ path: JOURNALD_DROP_IN, content: Buffer.from(renderJournaldForward()), mode: 0o644 });
    const check = await remote.exec('rsyslogd -N1');
    if (check.exitCode !== 0) {
      const why = `${check.stdout}\n${check.stderr}`.split(/\r?\n/).filter((l) => l.trim()).slice(-5).join(' | ');
      await remote.exec(`rm -f ${RSYSLOG_DROP_IN}`);
      throw stepError(ctx, `rsyslogd -N1 refuses the configuration with ${RSYSLOG_DROP_IN} (removed again): ${why}`);
    }
    await remote.run('systemctl restart systemd-journald', { what: 'restarting journald' });
    await remote.run('systemctl enable rsyslog && systemctl restart rsyslog', { what: 'restarting rsyslog' });
    const active = (await selfQuiet(ctx).exec('systemctl is-active rsyslog')).stdout.trim();
    if (active !== 'active') throw stepError(ctx, `rsyslog is ${active || 'not active'} after its restart: the log would not leave this host`, true);
    ctx.log(`journald → rsyslog → ${formatTarget(t)}`);
    ctx.note(monitoringNote(t));
    return { target: formatTarget(t) };
  },
});

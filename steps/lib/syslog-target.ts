// Where a sealed node's log goes: the inventory's `cluster.syslog` (`udp://HOST[:PORT]` or
// `tcp://HOST[:PORT]`, port 514 by default), forwarded by the node's own rsyslog with journald
// handing it every message (ForwardToSyslog=yes) — podsec-inotify's checks report with `logger`,
// so their findings travel with the rest of the journal. Pure: the target's parsing and the two
// configuration files podsec-play writes.

export interface SyslogTarget {
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
}

/** The inventory and `with.target` pattern (checked by the schemas). */
export const SYSLOG_TARGET_PATTERN = '^(udp|tcp)://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$';

export const RSYSLOG_DROP_IN = '/etc/rsyslog.d/60-podsec-play-forward.conf';
export const JOURNALD_DROP_IN = '/etc/systemd/journald.conf.d/60-podsec-play-forward.conf';
/** Present where rsyslog is installed (ALT: rsyslog-classic), for the preflight. */
export const RSYSLOG_DIR = '/etc/rsyslog.d';

/** `tcp://10.0.0.5:6514` → its parts; undefined for anything else. */
export function parseSyslogTarget(text: string): SyslogTarget | undefined {
  const m = new RegExp(SYSLOG_TARGET_PATTERN).exec(text.trim());
  if (!m) return undefined;
  const port = m[3] ? Number(m[3].slice(1)) : 514;
  if (port < 1 || port > 65535) return undefined;
  return { protocol: m[1] as 'udp' | 'tcp', host: m[2]!.replace(/^\[(.*)\]$/, '$1'), port };
}

export function formatTarget(t: SyslogTarget): string {
  return `${t.protocol}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

/**
 * rsyslog's forwarding action (RainerScript omfwd): every facility and priority, in an in-memory
 * queue that keeps retrying while the target is down, so a slow or absent collector never
 * blocks the node's logging.
 */
export function renderRsyslogForward(t: SyslogTarget): string {
  return [
    "# podsec-play: this node's log (podsec-inotify's findings included) to the cluster's syslog",
    '# target (the inventory\'s cluster.syslog). SSH is off on a sealed node: this is how its',
    '# monitoring leaves it. Rewritten by every run; removed when the inventory names no target.',
    `*.* action(type="omfwd" target="${t.host}" port="${t.port}" protocol="${t.protocol}"`,
    '       queue.type="LinkedList" queue.size="50000" action.resumeRetryCount="-1")',
    '',
  ].join('\n');
}

/** journald hands every message to the syslog socket rsyslog reads. */
export function renderJournaldForward(): string {
  return ['# podsec-play: hand every journal message to rsyslog, which forwards it (rsyslog.d/60-podsec-play-forward.conf).', '[Journal]', 'ForwardToSyslog=yes', ''].join('\n');
}

/** The summary's word on where monitoring output goes. */
export function monitoringNote(t: SyslogTarget | undefined): string {
  if (t) return `Monitoring: every node's log, podsec-inotify's findings included, is forwarded to ${formatTarget(t)} (rsyslog).`;
  return (
    'Monitoring: no syslog target in the inventory (cluster.syslog), so podsec-inotify\'s findings stay in each node\'s journal ' +
    '(journalctl -t podsec-inotify-check-…): with SSH off, only the node\'s console can read them. Set cluster.syslog: tcp://HOST:514 and run again to forward them.'
  );
}

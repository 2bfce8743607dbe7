// The system facts from the facts script's sections (os-release, uname, swap, cgroup, sysctl,
// df, packages, time synchronisation, apt sources): pure functions over text.
import type { AptSource, HostFacts } from './types.js';

/** /etc/os-release: KEY=value lines, values optionally quoted (shell rules, simplified). */
export function parseOsReleaseFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = (m[2] ?? '').trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\(["$`\\])/g, '$1');
    }
    out[m[1]!] = value;
  }
  return out;
}

export function osFacts(text: string): HostFacts['os'] {
  const kv = parseOsReleaseFile(text);
  const pick = (k: string) => (kv[k] !== undefined && kv[k] !== '' ? kv[k] : undefined);
  const os: HostFacts['os'] = {};
  const fields: [keyof HostFacts['os'], string][] = [
    ['id', 'ID'],
    ['name', 'NAME'],
    ['versionId', 'VERSION_ID'],
    ['prettyName', 'PRETTY_NAME'],
    ['branch', 'ALT_BRANCH_ID'],
    ['cpe', 'CPE_NAME'],
  ];
  for (const [key, name] of fields) {
    const v = pick(name);
    if (v !== undefined) os[key] = v;
  }
  return os;
}

/** `uname -n -r -m`: node name, kernel release, machine. */
export function parseUname(text: string): { hostname?: string; kernel?: string; arch?: string } {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length !== 3) return {};
  return { hostname: words[0]!, kernel: words[1]!, arch: words[2]! };
}

/** `date -u +%s.%N` (busybox prints no nanoseconds): ms since the epoch. */
export function parseEpoch(text: string): number | undefined {
  const m = /^(\d{9,})(?:\.(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  const frac = m[2] ? Number(`0.${m[2]}`) : 0;
  return Number(m[1]) * 1000 + Math.round(frac * 1000);
}

/** `swapon --show=NAME,SIZE --bytes --noheadings --raw` or /proc/swaps (sizes in KiB, a header). */
export function parseSwap(text: string, procSwaps: boolean): HostFacts['swap'] {
  const devices: HostFacts['swap']['devices'] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (!words[0] || words[0] === 'Filename' || words[0] === 'NAME') continue;
    const size = procSwaps ? Number(words[2]) * 1024 : Number(words[1]);
    devices.push({ name: words[0], ...(Number.isFinite(size) && size > 0 ? { sizeBytes: size } : {}) });
  }
  return { on: devices.length > 0, devices };
}

/** `findmnt -n -o FSTYPE /sys/fs/cgroup` (cgroup2, tmpfs) or `stat -f -c %T` (cgroup2fs, tmpfs). */
export function parseCgroup(text: string): HostFacts['cgroup'] {
  const fs = text.trim().split('\n')[0]?.trim();
  if (!fs) return {};
  if (fs === 'cgroup2' || fs === 'cgroup2fs') return { version: 2, fs };
  if (fs === 'tmpfs' || fs === 'cgroup') return { version: 1, fs };
  return { fs };
}

/** `sysctl KEY…`: `key = value` lines for the keys the kernel has. */
export function parseSysctl(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z0-9_.]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** `df -P -k DIR`: the last line, columns: filesystem, 1024-blocks, used, available, capacity, mount. */
export function parseDf(text: string): HostFacts['disk']['varLib'] {
  const lines = text.trim().split('\n').filter((l) => l.trim() && !/^Filesystem\s/.test(l));
  const words = lines.at(-1)?.trim().split(/\s+/);
  if (!words || words.length < 6) return undefined;
  const size = Number(words[1]);
  const available = Number(words[3]);
  if (!Number.isFinite(size) || !Number.isFinite(available)) return undefined;
  return { availableBytes: available * 1024, sizeBytes: size * 1024, mount: words.slice(5).join(' ') };
}

/**
 * The packages section: its first line says which tool answered (`rpm`, `dpkg`, `none`); then rpm
 * prints `NAME VERSION-RELEASE` (or `package X is not installed`), dpkg-query `NAME VERSION ii `.
 */
export function parsePackages(text: string, watched: readonly string[]): { packages: Record<string, string>; tool?: string } {
  const lines = text.split('\n').map((l) => l.trim());
  const tool = lines.find((l) => l.length > 0);
  const packages: Record<string, string> = {};
  for (const line of lines) {
    const words = line.split(/\s+/);
    const [name, version, status] = words;
    if (!name || !version || !watched.includes(name)) continue;
    if (tool === 'dpkg' && status !== 'ii') continue;
    packages[name] = version;
  }
  return { packages, ...(tool && ['rpm', 'dpkg', 'none'].includes(tool) ? { tool } : {}) };
}

/** `timedatectl show` (NTP=yes, NTPSynchronized=yes). */
export function parseTimedatectl(text: string): HostFacts['time'] | undefined {
  const kv = Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([A-Za-z]+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  if (kv['NTPSynchronized'] === undefined && kv['NTP'] === undefined) return undefined;
  const yes = (v: string | undefined) => (v === undefined ? undefined : v === 'yes');
  const synchronized = yes(kv['NTPSynchronized']);
  const ntp = yes(kv['NTP']);
  return { source: 'timedatectl', ...(synchronized === undefined ? {} : { synchronized }), ...(ntp === undefined ? {} : { ntp }) };
}

/** `chronyc -n tracking`: `Leap status : Normal` when synchronised. */
export function parseChronyc(text: string): HostFacts['time'] | undefined {
  const m = /^Leap status\s*:\s*(.+)$/m.exec(text);
  if (!m) return undefined;
  return { source: 'chronyc', synchronized: m[1]!.trim() !== 'Not synchronised', ntp: true };
}

/** curl exit codes that mean nothing answered: proxy or host not resolved, refused, timed out. */
const NO_ANSWER: Record<number, string> = {
  5: 'could not resolve the proxy',
  6: 'could not resolve the host',
  7: 'could not connect',
  28: 'timed out',
};

/** The apt section: `URL RC CODE` per mirror, `URL nocurl`, `URL local`. A mirror's user and
 * password (`http://user:secret@mirror/`) never reach the facts. */
export function parseApt(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const line of text.split('\n')) {
    const [raw, rc, code] = line.trim().split(/\s+/);
    if (!raw || rc === undefined) continue;
    const url = raw.replace(/^([a-z+]+:\/\/)[^/@]*@/i, '$1[REDACTED]@');
    if (rc === 'local') out.push({ url, ok: true, detail: 'local source' });
    else if (rc === 'nocurl') out.push({ url, ok: false, detail: 'not probed: curl is not installed' });
    else {
      const exit = Number(rc);
      const status = Number(code ?? '0');
      if (NO_ANSWER[exit] !== undefined) out.push({ url, ok: false, detail: `curl exit ${exit} (${NO_ANSWER[exit]})` });
      else if (status > 0) out.push({ url, ok: true, detail: `answered (HTTP ${status})` });
      else out.push({ url, ok: exit === 0, detail: exit === 0 ? 'answered' : `curl exit ${exit}` });
    }
  }
  return out;
}

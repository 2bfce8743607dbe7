// The facts script's output (sections marked `@@podsec-play-facts NAME`) → HostFacts. Pure: the
// controller's clock readings around the round trip come in as arguments, so the clock skew is
// a bound the host's clock is known to be off by (0 when it fell inside the round trip).
import { interfaceHolding, parseIpAddrJson, parseIpAddrText, parseIpRouteJson, parseIpRouteText, parseSs } from './parse-net.js';
import {
  osFacts,
  parseApt,
  parseCgroup,
  parseChronyc,
  parseDf,
  parseEpoch,
  parsePackages,
  parseSwap,
  parseSysctl,
  parseTimedatectl,
  parseUname,
} from './parse-system.js';
import { platformOf } from './platform.js';
import { SECTION_MARK } from './script.js';
import { WATCHED_PACKAGES, type FactsRequest, type HostFacts } from './types.js';

export interface ParseContext {
  request: FactsRequest;
  /** Controller clock (ms) just before the script was sent and just after its output came back. */
  sentAt: number;
  receivedAt: number;
}

/** The sections in output order: name → text (a name repeated keeps the last). */
export function splitSections(stdout: string): Map<string, string> {
  const sections = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (name !== undefined) sections.set(name, lines.join('\n').trim());
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${SECTION_MARK} `)) {
      flush();
      name = line.slice(SECTION_MARK.length + 1).trim();
      lines = [];
    } else if (name !== undefined) {
      lines.push(line);
    }
  }
  flush();
  return sections;
}

export class FactsParseError extends Error {}

export function parseFacts(stdout: string, ctx: ParseContext): HostFacts {
  const s = splitSections(stdout);
  if (!s.has('end')) {
    throw new FactsParseError(s.size === 0 ? 'the facts script printed nothing it could read' : 'the facts script stopped before its end');
  }
  const unknown: Record<string, string> = {};
  const text = (name: string) => s.get(name) ?? '';

  const os = osFacts(text('os-release'));
  if (Object.keys(os).length === 0) unknown['os'] = '/etc/os-release is missing or empty';
  const platform = platformOf(os);
  const uname = parseUname(text('uname'));
  if (!uname.kernel) unknown['uname'] = 'uname gave no answer';
  const machineId = /^[0-9a-f]{32}$/i.exec(text('machine-id').trim())?.[0];

  const interfaces = parseIpAddrJson(text('ip-addr')) ?? parseIpAddrText(text('ip-addr-text'));
  if (Object.keys(interfaces).length === 0) unknown['interfaces'] = 'ip addr gave no answer (is iproute2 installed?)';
  const routes = parseIpRouteJson(text('ip-route')) ?? parseIpRouteText(text('ip-route-text'));
  const def = routes.find((r) => r.dst === 'default');
  const held = interfaceHolding(interfaces, ctx.request.internalAddress);

  // Ephemeral ports (32768 and up: clients, test servers) say nothing about the cluster's ports.
  const listening = parseSs(text('ss')).filter((l) => l.port < 32768);
  if (!s.get('ss')) unknown['listening'] = 'ss gave no answer (is iproute2 installed?)';

  const swap = s.has('proc-swaps') ? parseSwap(text('proc-swaps'), true) : parseSwap(text('swap'), false);
  const cgroup = parseCgroup(text('cgroup'));
  if (cgroup.fs === undefined) unknown['cgroup'] = 'neither findmnt nor stat could read /sys/fs/cgroup';
  const sysctl = parseSysctl(text('sysctl'));
  const varLib = parseDf(text('df'));
  if (!varLib) unknown['disk'] = 'df gave no answer for /var/lib';
  const pk = parsePackages(text('packages'), WATCHED_PACKAGES);
  if (pk.tool === 'none') unknown['packages'] = 'neither rpm nor dpkg-query is installed';

  const sync = parseTimedatectl(text('time-sync')) ?? parseChronyc(text('chronyc'));
  if (!sync) unknown['timeSync'] = 'neither timedatectl nor chronyc answered';
  const epochMs = parseEpoch(text('date'));
  const skewMs = epochMs === undefined ? undefined : epochMs < ctx.sentAt ? epochMs - ctx.sentAt : epochMs > ctx.receivedAt ? epochMs - ctx.receivedAt : 0;

  const sshServer = text('ssh').split(/\s+/)[2];

  const paths: Record<string, boolean> = {};
  if (ctx.request.paths.length > 0) {
    const answers = text('paths').split('\n').map((l) => l.trim());
    ctx.request.paths.forEach((p, i) => {
      if (answers[i] === '1' || answers[i] === '0') paths[p] = answers[i] === '1';
    });
  }

  const facts: HostFacts = {
    gatheredAt: new Date(ctx.receivedAt).toISOString(),
    os,
    ...(platform ? { platform } : {}),
    ...(uname.kernel ? { kernel: uname.kernel } : {}),
    ...(uname.arch ? { arch: uname.arch } : {}),
    ...(uname.hostname ? { hostname: uname.hostname } : {}),
    ...(machineId ? { machineId: machineId.toLowerCase() } : {}),
    packages: pk.packages,
    interfaces,
    routes,
    ...(def ? { defaultRoute: { ...(def.gateway ? { gateway: def.gateway } : {}), ...(def.dev ? { interface: def.dev } : {}) } } : {}),
    ...(held ? { internal: { address: held.address.address, interface: held.iface.name, prefix: held.address.prefix, subnet: held.address.subnet } } : {}),
    ...(sshServer ? { sshAddress: sshServer } : {}),
    time: { ...(epochMs === undefined ? {} : { epochMs }), ...(skewMs === undefined ? {} : { skewMs }), ...(sync ?? {}) },
    swap,
    cgroup,
    sysctl,
    listening,
    disk: varLib ? { varLib } : {},
    ...(ctx.request.apt ? { apt: { sources: parseApt(text('apt')) } } : {}),
    paths,
    unknown,
  };
  return facts;
}

// The facts script: one POSIX shell script run on each host in one round trip, printing one
// section per fact (`@@podsec-play-facts NAME`), read-only from its first line to its last.
// Every section tolerates a missing program (it then prints nothing, or takes a fallback), so a
// minimal host still answers; parse.ts turns the sections into HostFacts on the controller.
// Paths are written literally (never assembled at run time) and never echoed, so the lab's
// path rewriting finds them and the output never shows where a lab keeps a node.
import { quote } from '../util/shell.js';
import { WATCHED_PACKAGES, WATCHED_SYSCTLS, type FactsRequest } from './types.js';

export const SECTION_MARK = '@@podsec-play-facts';

/** The cluster's ports: rootlesskit publishes 2379, 2380, 6443, 10250, 10255, 10256 and UDP
 * 8472 (flannel); haproxy listens on 8443; the registry and signature servers on 80 and 81. */
export const CLUSTER_PORTS = { tcp: [80, 81, 2379, 2380, 6443, 8443, 10250, 10255, 10256], udp: [8472] } as const;

function section(name: string, body: string): string {
  return `printf '\\n${SECTION_MARK} %s\\n' ${quote(name)}\n${body}\n`;
}

/** Package URLs from apt's sources (ALT's `rpm [p10] URL …`, Debian's `deb URL …` and deb822
 * `URIs:`), at most five, each asked for its headers with a short timeout. */
const APT_PROBE = [
  'for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do test -f "$f" && cat "$f"; done 2>/dev/null |',
  "  sed -n -e 's/^[[:space:]]*\\(rpm\\|deb\\)\\(-src\\)\\{0,1\\}[[:space:]]\\{1,\\}\\(\\[[^]]*\\][[:space:]]\\{1,\\}\\)\\{0,1\\}\\([a-z+]\\{1,\\}:[^[:space:]]*\\).*/\\4/p' \\",
  "        -e 's/^URIs:[[:space:]]*\\([^[:space:]]*\\).*/\\1/p' | sort -u | head -n 5 |",
  'while read -r u; do',
  '  case "$u" in',
  '    http:*|https:*|ftp:*)',
  '      if command -v curl >/dev/null 2>&1; then',
  "        code=$(curl -s -o /dev/null -I --connect-timeout 3 --max-time 5 -w '%{http_code}' \"$u\" 2>/dev/null); rc=$?",
  '        printf \'%s %s %s\\n\' "$u" "$rc" "$code"',
  "      else printf '%s nocurl\\n' \"$u\"; fi ;;",
  "    *) printf '%s local\\n' \"$u\" ;;",
  '  esac',
  'done',
].join('\n');

export function factsScript(request: FactsRequest): string {
  const packages = WATCHED_PACKAGES.join(' ');
  const parts = [
    'LC_ALL=C; LANG=C; export LC_ALL LANG',
    'PATH=$PATH:/usr/sbin:/sbin; export PATH',
    section('date', 'date -u +%s.%N 2>/dev/null'),
    section('os-release', 'cat /etc/os-release 2>/dev/null'),
    section('uname', 'uname -n -r -m 2>/dev/null'),
    section('machine-id', 'cat /etc/machine-id 2>/dev/null'),
    section('ip-addr', `ip -j addr show 2>/dev/null || { printf '%s\\n' '${SECTION_MARK} ip-addr-text'; ip -o addr show 2>/dev/null; }`),
    section('ip-route', `ip -j route show 2>/dev/null || { printf '%s\\n' '${SECTION_MARK} ip-route-text'; ip route show 2>/dev/null; }`),
    section('ss', 'ss -H -l -n -t -u -p 2>/dev/null || ss -l -n -t -u -p 2>/dev/null'),
    section('swap', `swapon --show=NAME,SIZE --bytes --noheadings --raw 2>/dev/null || { printf '%s\\n' '${SECTION_MARK} proc-swaps'; cat /proc/swaps 2>/dev/null; }`),
    section('cgroup', 'findmnt -n -o FSTYPE /sys/fs/cgroup 2>/dev/null || stat -f -c %T /sys/fs/cgroup 2>/dev/null'),
    section('sysctl', `sysctl ${WATCHED_SYSCTLS.join(' ')} 2>/dev/null`),
    section('df', 'df -P -k /var/lib 2>/dev/null'),
    section(
      'packages',
      [
        `if command -v rpm >/dev/null 2>&1; then echo rpm; rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\\n' ${packages} 2>/dev/null`,
        `elif command -v dpkg-query >/dev/null 2>&1; then echo dpkg; dpkg-query -W -f '\${Package} \${Version} \${db:Status-Abbrev}\\n' ${packages} 2>/dev/null`,
        'else echo none; fi',
      ].join('\n'),
    ),
    section(
      'time-sync',
      `timedatectl show 2>/dev/null || { printf '%s\\n' '${SECTION_MARK} chronyc'; chronyc -n tracking 2>/dev/null; }`,
    ),
    section('ssh', 'printf \'%s\\n\' "${SSH_CONNECTION:-}"'),
  ];
  if (request.paths.length > 0) {
    parts.push(section('paths', request.paths.map((p) => `if test -e ${quote(p)}; then echo 1; else echo 0; fi`).join('\n')));
  }
  if (request.apt) parts.push(section('apt', APT_PROBE));
  parts.push(section('end', 'true'));
  return parts.join('\n');
}

// A testbed node runs the host's real programs (sh, coreutils, useradd, passwd, su, gpg, curl,
// sshd, haproxy, keepalived) against its own /etc, so that /etc must hold what those programs
// read: the dynamic loader's cache, NSS and PAM settings, login.defs, certificates, Debian's
// alternatives symlinks… This copies that part of the host's /etc (never its private keys or
// password hashes) and builds the node's user database from the host's system accounts.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a node takes from the host's /etc (when the host has it). */
export const HOST_ETC = [
  'alternatives',
  'adduser.conf',
  'bash.bashrc',
  'ca-certificates',
  'ca-certificates.conf',
  'debian_version',
  'default',
  'deluser.conf',
  'environment',
  'ethertypes',
  'gai.conf',
  'host.conf',
  'inputrc',
  'iproute2',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'locale.alias',
  'locale.conf',
  'locale.gen',
  'localtime',
  'login.defs',
  'mtab',
  'networks',
  'nsswitch.conf',
  'pam.conf',
  'pam.d',
  'profile',
  'profile.d',
  'protocols',
  'resolv.conf',
  'rpc',
  'security',
  'services',
  'shells',
  'skel',
  'ssl',
  'ssh/moduli',
  'ssh/ssh_config',
  'ssh/ssh_config.d',
  'sudo.conf',
  'sudoers',
  'sudoers.d',
  'timezone',
];

/** Never copied: private keys and anything holding the host's secrets. */
const PRIVATE = [/^ssl\/private(\/|$)/];

export function copyHostEtc(etc: string, hostEtc = '/etc'): void {
  for (const rel of HOST_ETC) {
    const src = join(hostEtc, rel);
    if (!existsSync(src)) continue;
    cpSync(src, join(etc, rel), {
      recursive: true,
      verbatimSymlinks: true,
      force: true,
      filter: (from) => !PRIVATE.some((re) => re.test(from.slice(hostEtc.length + 1))),
    });
  }
}

type Row = string[];

function rows(text: string): Row[] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** System accounts only (uid/gid below 1000, and nobody/nogroup): the host's people stay out. */
const system = (id: string | undefined) => Number(id) < 1000 || Number(id) === 65534;

function freeId(taken: Set<number>, wanted: number): number {
  let id = wanted;
  while (taken.has(id)) id = id >= 999 ? 500 : id + 1;
  return id;
}

export interface UserDb {
  passwd: string;
  group: string;
  shadow: string;
  gshadow: string;
}

/**
 * The node's passwd/group/shadow/gshadow: the host's system accounts (so sshd's privilege
 * separation user and every package's user exist), plus the seed's accounts the host lacks
 * (u7s-admin, wheel: podsec's), with an id the host does not use. Every password is `*`: no one
 * logs in with a password, root comes in with the testbed's key.
 */
export function nodeUserDb(hostPasswd: string, hostGroup: string, seedPasswd: string, seedGroup: string): UserDb {
  const groups = rows(hostGroup).filter((r) => system(r[2]));
  const users = rows(hostPasswd).filter((r) => system(r[2]));
  const userNames = new Set(users.map((u) => u[0]));
  for (const g of groups) g[3] = (g[3] ?? '').split(',').filter((m) => userNames.has(m)).join(',');

  const gids = new Set(groups.map((g) => Number(g[2])));
  const renumbered = new Map<string, string>();
  for (const g of rows(seedGroup)) {
    const existing = groups.find((h) => h[0] === g[0]);
    if (existing) {
      const members = new Set([...(existing[3] ?? '').split(','), ...(g[3] ?? '').split(',')].filter(Boolean));
      existing[3] = [...members].join(',');
      continue;
    }
    const gid = freeId(gids, Number(g[2]));
    gids.add(gid);
    renumbered.set(g[2] ?? '', String(gid));
    groups.push([g[0] ?? '', 'x', String(gid), g[3] ?? '']);
  }
  const uids = new Set(users.map((u) => Number(u[2])));
  for (const u of rows(seedPasswd)) {
    if (userNames.has(u[0] ?? '')) continue;
    const uid = freeId(uids, Number(u[2]));
    uids.add(uid);
    users.push([u[0] ?? '', 'x', String(uid), renumbered.get(u[3] ?? '') ?? u[3] ?? '', u[4] ?? '', u[5] ?? '', u[6] ?? '/bin/sh']);
  }
  const lines = (rs: Row[]) => rs.map((r) => r.join(':')).join('\n') + '\n';
  const day = Math.floor(Date.now() / 86_400_000);
  return {
    passwd: lines(users),
    group: lines(groups),
    shadow: lines(users.map((u) => [u[0] ?? '', '*', String(day), '0', '99999', '7', '', '', ''])),
    gshadow: lines(groups.map((g) => [g[0] ?? '', '!', '', g[3] ?? ''])),
  };
}

export function writeUserDb(etc: string, db: UserDb): void {
  writeFileSync(join(etc, 'passwd'), db.passwd, { mode: 0o644 });
  writeFileSync(join(etc, 'group'), db.group, { mode: 0o644 });
  writeFileSync(join(etc, 'shadow'), db.shadow, { mode: 0o640 });
  writeFileSync(join(etc, 'gshadow'), db.gshadow, { mode: 0o640 });
}

export function readHostFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// What podsec-play knows about a host before it changes anything: read in one round trip by the
// facts script (script.ts), parsed on the controller (parse.ts), kept in the journal, shown by
// `status`, and usable in expressions as `${{ host.facts.… }}`. Plain JSON only.

export interface HostAddress {
  address: string;
  prefix: number;
  family: 'inet' | 'inet6';
  /** The subnet as CIDR text: 10.0.0.0/24. */
  subnet: string;
}

export interface NetworkInterface {
  name: string;
  /** The link is administratively up (flag UP). */
  up: boolean;
  mac?: string;
  addresses: HostAddress[];
}

export interface RouteEntry {
  /** `default` or a CIDR. */
  dst: string;
  gateway?: string;
  dev?: string;
  /** The preferred source address. */
  src?: string;
}

export interface ListeningSocket {
  proto: 'tcp' | 'udp';
  /** The local address it is bound to (`0.0.0.0`, `::`, `*` or one address). */
  address: string;
  port: number;
  /** The program holding it, when the reader may see it (root). */
  process?: string;
}

export interface AptSource {
  url: string;
  /** Something answered (any HTTP status, FTP greeting): the mirror is there. */
  ok: boolean;
  /** `HTTP 200`, `curl exit 6 (could not resolve host)`, … */
  detail: string;
}

export interface HostFacts {
  /** When the controller received them (ISO, controller clock). */
  gatheredAt: string;
  /** /etc/os-release. */
  os: {
    id?: string;
    name?: string;
    versionId?: string;
    prettyName?: string;
    /** ALT_BRANCH_ID (p10, c10f1, sisyphus). */
    branch?: string;
    cpe?: string;
  };
  /** The podsec platform the os-release implies (p10, c10f, sisyphus), as podsec-get-platform
   * derives it; undefined on a system it does not recognise. */
  platform?: string;
  kernel?: string;
  arch?: string;
  hostname?: string;
  machineId?: string;
  /** Installed packages among those podsec-play cares about: name → version-release. */
  packages: Record<string, string>;
  interfaces: Record<string, NetworkInterface>;
  routes: RouteEntry[];
  defaultRoute?: { gateway?: string; interface?: string };
  /** The interface holding the host's internal address (the one the inventory names). */
  internal?: { address: string; interface: string; prefix: number; subnet: string };
  /** The server side of the SSH connection ($SSH_CONNECTION): the address the controller reached. */
  sshAddress?: string;
  time: {
    /** The host's clock when it answered (ms since the epoch). */
    epochMs?: number;
    /** Host clock minus controller clock, allowing for the round trip (ms). */
    skewMs?: number;
    /** NTP synchronised (timedatectl NTPSynchronized / chronyc leap status). */
    synchronized?: boolean;
    /** Time synchronisation enabled (timedatectl NTP). */
    ntp?: boolean;
    source?: 'timedatectl' | 'chronyc';
  };
  swap: { on: boolean; devices: { name: string; sizeBytes?: number }[] };
  cgroup: { version?: 1 | 2; fs?: string };
  sysctl: Record<string, string>;
  listening: ListeningSocket[];
  disk: { varLib?: { availableBytes: number; sizeBytes: number; mount?: string } };
  /** Whether the package sources answer (gathered only when a check asks for it). */
  apt?: { sources: AptSource[] };
  /** Paths some check asked about: path → exists. */
  paths: Record<string, boolean>;
  /** Sections the host could not answer (a program missing, say): name → why. */
  unknown: Record<string, string>;
}

/** What to gather besides the fixed sections: asked for by the checks a plan declares. */
export interface FactsRequest {
  /** The address the inventory names for the host (its internal address). */
  internalAddress: string;
  /** Probe the package sources (costs a request per mirror). */
  apt: boolean;
  /** Paths whose existence to report. */
  paths: readonly string[];
}

/** Packages whose installed version the facts report. */
export const WATCHED_PACKAGES = ['podsec', 'podsec-k8s', 'podsec-k8s-rbac', 'podsec-inotify', 'haproxy', 'keepalived', 'curl'] as const;

/** sysctl keys the facts report. */
export const WATCHED_SYSCTLS = ['user.max_user_namespaces', 'kernel.unprivileged_userns_clone', 'net.ipv4.ip_forward'] as const;

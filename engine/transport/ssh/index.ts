// The SSH transport's entry point: createSshTransport(host, inventory, options) gives a lazy
// Transport that connects on first use and reconnects on the next use after a drop.
//
// How a host is reached (route.ts): the inventory's address/port/user and `ssh:` settings (host
// over inventory defaults), with the user's SSH settings filling what the inventory leaves at
// its defaults (port 22, user root): `ssh -G ADDRESS` when OpenSSH's client is installed (every
// keyword, Match and Include as ssh itself resolves them; the inventory's port, user and key are
// passed on its command line), else the built-in reader of ~/.ssh/config (HostName, Port, User,
// IdentityFile, ProxyJump, ProxyCommand, Host patterns, Include). Jump hosts (`ssh.proxyJump`,
// outermost first) are inventory host names or `[user@]host[:port]`; a ProxyCommand's stdio is
// the first hop's connection; each hop's host key is checked.
// Host keys (host-keys.ts): known_hosts entries, plain, `[host]:port` or hashed; unknown →
// E_HOSTKEY with the SHA256 fingerprint (recorded instead with acceptNewHostKeys); changed or
// @revoked → E_HOSTKEY always. Auth (auth.ts): key files (passphrase from a secret, or typed on
// the terminal), then ssh-agent, then a password secret; E_AUTH lists what was tried.
// Commands (exec.ts, command-line.ts): env exported with quote(); sudo as `sudo -n`, or with the
// host's sudo password on stdin (`sudo -S -p ''`) or answering sudo's prompt on a PTY; runAs via
// `sudo -u` or `su` when root; PTY answers with an idle-prompt failure (E_PROMPT); timeouts and
// aborts kill the command's process group. Files (files.ts): SFTP, atomic, checksum-skipped.
import { dirname } from 'node:path';
import type { Host, Inventory } from '../../model.js';
import type { SecretSource } from '../../secrets/store.js';
import type { Transport } from '../types.js';
import { Connection } from './connection.js';
import { resolveRoute, type Route } from './route.js';
import { builtinLookup, findSshClient, opensshLookup, type SshOptionsLookup } from './openssh-config.js';
import { defaultSshConfigFile, loadSshConfig } from './ssh-config.js';
import { SshTransport } from './transport.js';

export interface SshOpenOptions {
  secrets: SecretSource; // engine/secrets/store.ts
  acceptNewHostKeys: boolean; // --accept-new-host-keys: record unknown keys in the known_hosts file
  inventoryHosts: Host[]; // to resolve proxyJump entries that name inventory hosts
  inventoryDir: string; // relative identityFile/knownHosts paths resolve against it
  sshConfigFile?: string; // default ~/.ssh/config (and ssh's system files); tests pass their own
  sshClient?: string | null; // the ssh program for `ssh -G`; default: found on PATH; null: built-in reader
  signal?: AbortSignal;
  onLog?: (message: string) => void; // "connecting", "reconnected" etc. (never secrets)
  keepaliveIntervalMs?: number; // default 5000, countMax 3
}

const KEEPALIVE_INTERVAL_MS = 5000;
const KEEPALIVE_COUNT_MAX = 3;

export function createSshTransport(host: Host, inventory: Inventory, options: SshOpenOptions): Transport {
  const log = options.onLog ?? (() => undefined);
  let route: Route | undefined;
  const getRoute = (): Route => {
    route ??= resolveRoute(host, {
      inventory,
      inventoryHosts: options.inventoryHosts,
      inventoryDir: options.inventoryDir || dirname(inventory.file),
      lookup: sshOptionsLookup(options),
    });
    return route;
  };
  const stdin = process.stdin;
  const connection = new Connection({
    host: host.name,
    route: getRoute,
    auth: {
      secrets: options.secrets,
      tty: stdin.isTTY ? { input: stdin, output: process.stderr } : undefined,
    },
    policy: { acceptNew: options.acceptNewHostKeys, log },
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    ...(options.signal ? { signal: options.signal } : {}),
    log,
  });
  return new SshTransport(host, connection, options.secrets, () => getRoute().target.user, options.signal);
}

/** `ssh -G` when an OpenSSH client is there, the built-in ~/.ssh/config reader when not. */
function sshOptionsLookup(options: SshOpenOptions): SshOptionsLookup {
  const client = options.sshClient === null ? undefined : (options.sshClient ?? findSshClient());
  if (client) return opensshLookup(client, options.sshConfigFile);
  return builtinLookup(loadSshConfig(options.sshConfigFile ?? defaultSshConfigFile()));
}

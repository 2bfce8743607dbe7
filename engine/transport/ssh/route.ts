// Where and how to reach a host: the inventory's settings, the user's SSH settings filling the
// gaps (`ssh -G` when OpenSSH is installed, the built-in ~/.ssh/config reader otherwise), and the
// chain of jump hosts (inventory hosts or `user@host:port` specs) or the ProxyCommand in front.
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { PlayError } from '../../errors.js';
import type { Host, Inventory, SshSettings } from '../../model.js';
import type { GivenOptions, SshOptionsLookup } from './openssh-config.js';
import { expandTilde, expandTokens, type SshConfigHost } from './ssh-config.js';

export interface IdentityFile {
  path: string;
  /** OpenSSH's default keys: used when present, silently skipped when not. */
  optional: boolean;
}

/** One SSH hop, fully resolved. */
export interface Endpoint {
  /** For messages: the inventory host name, or the jump spec as written. */
  label: string;
  hostname: string;
  port: number;
  user: string;
  identityFiles: IdentityFile[];
  useAgent: boolean;
  passphraseSecret?: string;
  passwordSecret?: string;
  knownHostsFile: string;
  connectTimeoutMs: number;
  /** A command whose stdin/stdout is the connection to this hop (ssh's ProxyCommand), tokens expanded. */
  proxyCommand?: string;
}

export interface Route {
  target: Endpoint;
  /** Outermost first: connect to jumps[0], through it to jumps[1], …, then the target. */
  jumps: Endpoint[];
}

export interface RouteContext {
  inventory: Inventory;
  inventoryHosts: Host[];
  inventoryDir: string;
  /** The user's SSH settings for a name (ssh -G, or the built-in ~/.ssh/config reader). */
  lookup: SshOptionsLookup;
}

const DEFAULT_PORT = 22;
const DEFAULT_USER = 'root';
const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
const MAX_JUMPS = 8;
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function resolveRoute(host: Host, ctx: RouteContext): Route {
  const { endpoint: target, cfg } = endpointForHost(host, ctx);
  const settings = mergedSettings(host, ctx.inventory);
  const jumpSpecs = settings.proxyJump ?? cfg.proxyJump ?? [];
  const jumps = chainFor(jumpSpecs, ctx, new Set([host.name, `${target.user}@${target.hostname}:${target.port}`]), 0);
  // A ProxyCommand applies to the first hop only, and never together with jump hosts.
  if (jumps.length > 0) delete target.proxyCommand;
  return { target, jumps };
}

/** The inventory's own values for a host, as ssh would get them on its command line. */
function givenFor(host: Host, settings: SshSettings, inventoryDir: string): GivenOptions {
  return {
    ...(host.port !== DEFAULT_PORT ? { port: host.port } : {}),
    ...(host.user !== DEFAULT_USER ? { user: host.user } : {}),
    ...(settings.identityFile ? { identityFile: resolvePath(settings.identityFile, inventoryDir) } : {}),
  };
}

/** `%h %p %r %n %%` in a ProxyCommand, as ssh expands them. */
function proxyCommandFor(cfg: SshConfigHost, alias: string, hostname: string, port: number, user: string): string | undefined {
  if (!cfg.proxyCommand) return undefined;
  return cfg.proxyCommand.replace(/%n/g, alias.replace(/%/g, '%%')).replace(/%([%hpr])/g, (m) => expandTokens(m, { h: hostname, p: port, r: user }));
}

function mergedSettings(host: Host, inventory: Inventory): SshSettings {
  return { ...(inventory.ssh ?? {}), ...(host.ssh ?? {}) };
}

/**
 * Inventory values win where they differ from the loader's defaults (port 22, user root);
 * the ssh config fills in the rest, as `ssh ADDRESS` would see it.
 */
function endpointForHost(host: Host, ctx: RouteContext): { endpoint: Endpoint; cfg: SshConfigHost } {
  const settings = mergedSettings(host, ctx.inventory);
  const cfg = ctx.lookup(host.address, givenFor(host, settings, ctx.inventoryDir));
  const hostname = cfg.hostName ?? host.address;
  const port = host.port !== DEFAULT_PORT ? host.port : (cfg.port ?? DEFAULT_PORT);
  const user = host.user !== DEFAULT_USER ? host.user : (cfg.user ?? DEFAULT_USER);
  const proxyCommand = proxyCommandFor(cfg, host.address, hostname, port, user);
  const endpoint: Endpoint = {
    label: host.name,
    hostname,
    port,
    user,
    identityFiles: identityFiles(settings, cfg, ctx.inventoryDir),
    useAgent: settings.agent ?? true,
    ...secretNames(settings),
    knownHostsFile: knownHostsFile(settings, cfg, ctx.inventoryDir),
    connectTimeoutMs: settings.connectTimeoutMs ?? cfg.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ...(proxyCommand ? { proxyCommand } : {}),
  };
  return { endpoint, cfg };
}

function secretNames(settings: SshSettings): Pick<Endpoint, 'passphraseSecret' | 'passwordSecret'> {
  return {
    ...(settings.passphraseSecret === undefined ? {} : { passphraseSecret: settings.passphraseSecret }),
    ...(settings.passwordSecret === undefined ? {} : { passwordSecret: settings.passwordSecret }),
  };
}

function identityFiles(settings: SshSettings, cfg: SshConfigHost, inventoryDir: string): IdentityFile[] {
  const files: IdentityFile[] = [];
  if (settings.identityFile) files.push({ path: resolvePath(settings.identityFile, inventoryDir), optional: false });
  for (const f of cfg.identityFiles) {
    const path = resolve(expandTilde(f));
    if (!files.some((x) => x.path === path)) files.push({ path, optional: cfg.identityFilesOptional === true });
  }
  if (files.length === 0) {
    for (const name of DEFAULT_KEYS) files.push({ path: join(homedir(), '.ssh', name), optional: true });
  }
  return files;
}

function knownHostsFile(settings: SshSettings, cfg: SshConfigHost, inventoryDir: string): string {
  if (settings.knownHosts) return resolvePath(settings.knownHosts, inventoryDir);
  return cfg.knownHostsFiles?.[0] ?? join(homedir(), '.ssh', 'known_hosts');
}

/** `~` expands to the home directory; other relative paths are relative to the inventory. */
export function resolvePath(path: string, baseDir: string): string {
  const expanded = expandTilde(path);
  return isAbsolute(expanded) ? expanded : resolve(baseDir, expanded);
}

/**
 * Flatten a ProxyJump list. Like ssh(1), only the first jump's own ProxyJump applies (the
 * later hops are reached through the earlier ones). Self-references are dropped, which lets
 * an inventory-wide `ssh.proxyJump` name a bastion that is itself in the inventory.
 */
function chainFor(specs: string[], ctx: RouteContext, seen: Set<string>, depth: number): Endpoint[] {
  if (depth > MAX_JUMPS) {
    throw new PlayError(`ProxyJump chain is longer than ${MAX_JUMPS} hops (a loop?)`, { code: 'E_INPUT' });
  }
  const chain: Endpoint[] = [];
  let first = true;
  for (const spec of specs) {
    const resolved = resolveJump(spec, ctx);
    const key = `${resolved.endpoint.user}@${resolved.endpoint.hostname}:${resolved.endpoint.port}`;
    if (seen.has(spec) || seen.has(key)) continue;
    if (first) {
      const nested = chainFor(resolved.ownJumps, ctx, new Set([...seen, spec, key]), depth + 1);
      chain.push(...nested);
      first = false;
    }
    chain.push(resolved.endpoint);
    if (chain.length > MAX_JUMPS) {
      throw new PlayError(`ProxyJump chain is longer than ${MAX_JUMPS} hops (a loop?)`, { code: 'E_INPUT' });
    }
  }
  return chain;
}

interface ResolvedJump {
  endpoint: Endpoint;
  ownJumps: string[];
}

function resolveJump(spec: string, ctx: RouteContext): ResolvedJump {
  const invHost = ctx.inventoryHosts.find((h) => h.name === spec);
  if (invHost) {
    const settings = mergedSettings(invHost, ctx.inventory);
    const { endpoint, cfg } = endpointForHost(invHost, ctx);
    return { endpoint, ownJumps: settings.proxyJump ?? cfg.proxyJump ?? [] };
  }
  const parsed = parseJumpSpec(spec);
  const defaults = ctx.inventory.ssh ?? {};
  const cfg = ctx.lookup(parsed.host, {
    ...(parsed.port !== undefined ? { port: parsed.port } : {}),
    ...(parsed.user !== undefined ? { user: parsed.user } : {}),
  });
  const hostname = cfg.hostName ?? parsed.host;
  const port = parsed.port ?? cfg.port ?? DEFAULT_PORT;
  const user = parsed.user ?? cfg.user ?? userInfo().username;
  const proxyCommand = proxyCommandFor(cfg, parsed.host, hostname, port, user);
  return {
    endpoint: {
      label: spec,
      hostname,
      port,
      user,
      identityFiles: identityFiles(defaults, cfg, ctx.inventoryDir),
      useAgent: defaults.agent ?? true,
      ...secretNames(defaults),
      knownHostsFile: knownHostsFile(defaults, cfg, ctx.inventoryDir),
      connectTimeoutMs: defaults.connectTimeoutMs ?? cfg.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      ...(proxyCommand ? { proxyCommand } : {}),
    },
    ownJumps: cfg.proxyJump ?? [],
  };
}

/** `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`. */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.startsWith('ssh://') ? spec.slice('ssh://'.length) : spec;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at > 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1] ?? '';
    port = v6[2] === undefined ? undefined : Number(v6[2]);
  } else {
    const m = /^([^:]+):(\d+)$/.exec(rest);
    if (m) {
      host = m[1] ?? '';
      port = Number(m[2]);
    }
  }
  if (!host || (port !== undefined && !(port > 0 && port < 65536))) {
    throw new PlayError(`invalid jump host "${spec}": expected [user@]host[:port]`, { code: 'E_INPUT' });
  }
  return { ...(user === undefined ? {} : { user }), host, ...(port === undefined ? {} : { port }) };
}

/** Used by auth: a default key that is not there is skipped without a word. */
export function identityExists(file: IdentityFile): boolean {
  return existsSync(file.path);
}

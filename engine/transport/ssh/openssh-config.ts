// SSH options resolved as OpenSSH itself resolves them: `ssh -G HOST` prints the settings ssh
// would use for HOST after every Host and Match block, Include, token and default — so Match,
// ProxyCommand, UserKnownHostsFile and the rest behave as the user's ssh does. Used whenever an
// OpenSSH client is installed; the built-in reader (ssh-config.ts) only when it is not.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { PlayError } from '../../errors.js';
import { expandTilde, expandTokens, lookupSshConfig, type SshConfig, type SshConfigHost } from './ssh-config.js';

/** What the inventory says about a hop, handed to ssh so Match blocks see what ssh would. */
export interface GivenOptions {
  port?: number;
  user?: string;
  identityFile?: string;
}

/** The ssh settings for a name as typed after `ssh`. */
export type SshOptionsLookup = (alias: string, given?: GivenOptions) => SshConfigHost;

export function builtinLookup(config: SshConfig): SshOptionsLookup {
  return (alias) => lookupSshConfig(config, alias);
}

/** The `ssh` program on PATH, or undefined when there is none. */
export function findSshClient(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'ssh');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const TIMEOUT_MS = 10_000;

/**
 * `ssh -G`: `configFile` is passed as -F when it exists (an isolated config for tests), and
 * /dev/null when it was named but does not exist; without it, ssh reads the user's and the
 * system's files as usual.
 */
export function opensshLookup(ssh: string, configFile?: string): SshOptionsLookup {
  const cache = new Map<string, SshConfigHost>();
  return (alias, given = {}) => {
    const args = ['-G'];
    if (configFile !== undefined) args.push('-F', existsSync(configFile) ? configFile : '/dev/null');
    if (given.port !== undefined) args.push('-p', String(given.port));
    if (given.user !== undefined) args.push('-l', given.user);
    if (given.identityFile !== undefined) args.push('-i', given.identityFile);
    args.push('--', alias);
    const key = args.join('\u0000');
    const cached = cache.get(key);
    if (cached) return cached;
    let out: string;
    try {
      out = execFileSync(ssh, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const why = (e.stderr ?? '').trim().split('\n').filter(Boolean).at(-1) ?? e.message;
      throw new PlayError(`ssh -G ${alias}: cannot read the SSH settings for ${alias}: ${why}`, { code: 'E_INPUT' });
    }
    const result = parseSshG(out, alias, given);
    cache.set(key, result);
    return result;
  };
}

/** The lines of `ssh -G` that podsec-play acts on. */
export function parseSshG(text: string, alias: string, given: GivenOptions = {}): SshConfigHost {
  const values = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, keyword = '', value = ''] = m;
    const list = values.get(keyword.toLowerCase()) ?? [];
    list.push(value);
    values.set(keyword.toLowerCase(), list);
  }
  const one = (k: string) => values.get(k)?.[0];
  const result: SshConfigHost = { identityFiles: [] };
  const hostName = one('hostname');
  if (hostName && hostName !== alias) result.hostName = hostName;
  const port = Number(one('port'));
  if (Number.isInteger(port) && port > 0 && port < 65536 && port !== 22) result.port = port;
  // ssh reports a user even when nothing set one (the local login name). podsec-play's own default
  // is root, so a user equal to the local login name counts as "not configured" unless given.
  const user = one('user');
  if (user && (given.user !== undefined || user !== userInfo().username)) result.user = user;
  const h = result.hostName ?? alias;
  result.identityFiles = (values.get('identityfile') ?? [])
    .map((f) => expandTilde(expandTokens(f, { h, r: result.user ?? '', p: result.port ?? 22 })))
    .filter((f) => f !== given.identityFile);
  // Every file ssh lists may be absent (its defaults, or a config entry): ssh skips those too.
  result.identityFilesOptional = true;
  const jump = one('proxyjump');
  if (jump !== undefined) result.proxyJump = jump.toLowerCase() === 'none' ? [] : jump.split(',').map((s) => s.trim()).filter(Boolean);
  const command = one('proxycommand');
  if (command !== undefined && command.toLowerCase() !== 'none') result.proxyCommand = command;
  const known = one('userknownhostsfile');
  if (known) result.knownHostsFiles = known.split(/\s+/).filter(Boolean).map((f) => expandTilde(f));
  const timeout = Number(one('connecttimeout'));
  if (Number.isFinite(timeout) && timeout > 0) result.connectTimeoutMs = timeout * 1000;
  return result;
}

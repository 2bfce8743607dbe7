// ~/.ssh/config support: an inventory address or a jump spec may be an alias the user already
// set up for ssh(1). Only the keywords podsec-play acts on are read; the first value obtained
// wins (IdentityFile accumulates), as in ssh_config(5).
import { readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { matchPattern, matchPatternList } from './patterns.js';

export interface SshConfigHost {
  hostName?: string;
  port?: number;
  user?: string;
  identityFiles: string[];
  /** Jump hosts, outermost first; an empty list means `ProxyJump none`. */
  proxyJump?: string[];
  /** ProxyCommand (tokens %h %p %r %n not yet expanded): its stdio is the connection. */
  proxyCommand?: string;
  /** UserKnownHostsFile (from ssh -G). */
  knownHostsFiles?: string[];
  /** ConnectTimeout (from ssh -G). */
  connectTimeoutMs?: number;
  /** The identity files may be absent (ssh -G lists ssh's defaults too; ssh skips missing ones). */
  identityFilesOptional?: boolean;
}

interface ConfigItem {
  /** Host patterns the item applies under; undefined = every host; null = never (Match). */
  condition: string[] | undefined | null;
  keyword: string;
  args: string[];
}

export interface SshConfig {
  items: ConfigItem[];
}

const MAX_INCLUDE_DEPTH = 16;

/** Split one config line into keyword and arguments (quotes and `Keyword=value` handled). */
export function tokenizeLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  const text = line.replace(/^\s*(\w+)\s*=\s*/, '$1 ');
  for (const ch of text) {
    if (inQuote) {
      if (ch === '"') inQuote = false;
      else cur += ch;
    } else if (ch === '"') {
      inQuote = true;
      has = true;
    } else if (ch === '#' && cur === '' && !has) {
      break;
    } else if (/\s/.test(ch)) {
      if (cur !== '' || has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
    }
  }
  if (cur !== '' || has) out.push(cur);
  return out;
}

export function parseSshConfig(text: string, file = '', depth = 0): SshConfig {
  const items: ConfigItem[] = [];
  let condition: ConfigItem['condition'];
  for (const line of text.split('\n')) {
    const tokens = tokenizeLine(line);
    const [kw, ...args] = tokens;
    if (!kw) continue;
    const keyword = kw.toLowerCase();
    if (keyword === 'host') {
      condition = args;
    } else if (keyword === 'match') {
      condition = args.length === 1 && args[0]?.toLowerCase() === 'all' ? undefined : null;
    } else if (keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) continue;
      for (const included of expandInclude(args, file)) {
        for (const item of parseSshConfig(readText(included), included, depth + 1).items) {
          items.push({ ...item, condition: combine(condition, item.condition) });
        }
      }
    } else {
      items.push({ condition, keyword, args });
    }
  }
  return { items };
}

function combine(outer: ConfigItem['condition'], inner: ConfigItem['condition']): ConfigItem['condition'] {
  if (outer === null || inner === null) return null;
  if (outer === undefined) return inner;
  if (inner === undefined) return outer;
  // Both must match: keep the inner list and check the outer one via a sentinel pair.
  return [`${AND}${outer.join(',')}`, ...inner];
}

const AND = '\u0000and:';

function conditionMatches(condition: ConfigItem['condition'], alias: string): boolean {
  if (condition === null) return false;
  if (condition === undefined) return true;
  const ands = condition.filter((p) => p.startsWith(AND));
  const rest = condition.filter((p) => !p.startsWith(AND));
  return ands.every((a) => matchPatternList(a.slice(AND.length).split(','), alias)) && matchPatternList(rest, alias);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Include paths: relative ones sit beside the including file (~/.ssh for the user's config);
 * a glob in the last component is expanded. */
function expandInclude(args: string[], fromFile: string): string[] {
  const files: string[] = [];
  for (const arg of args) {
    let path = expandTilde(arg);
    if (!isAbsolute(path)) path = join(fromFile ? dirname(fromFile) : join(homedir(), '.ssh'), path);
    const name = basename(path);
    if (!/[*?]/.test(name)) {
      files.push(path);
      continue;
    }
    try {
      const dir = dirname(path);
      for (const entry of readdirSync(dir).sort()) {
        if (matchPattern(name, entry)) files.push(join(dir, entry));
      }
    } catch {
      // A missing directory includes nothing, like ssh.
    }
  }
  return files;
}

export function expandTilde(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/** Expand the `%` tokens ssh(1) allows in HostName and IdentityFile. */
export function expandTokens(value: string, tokens: { h: string; r?: string; p?: number }): string {
  return value.replace(/%([%dhpru])/g, (_m, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'd':
        return homedir();
      case 'h':
        return tokens.h;
      case 'p':
        return String(tokens.p ?? 22);
      case 'r':
        return tokens.r ?? '';
      case 'u':
        return userInfo().username;
      default:
        return '';
    }
  });
}

/** Everything the config says about `alias` (the name as one would type it after `ssh`). */
export function lookupSshConfig(config: SshConfig, alias: string): SshConfigHost {
  const result: SshConfigHost = { identityFiles: [] };
  let hostName: string | undefined;
  for (const item of config.items) {
    if (!conditionMatches(item.condition, alias)) continue;
    const value = item.args[0];
    if (value === undefined) continue;
    switch (item.keyword) {
      case 'hostname':
        hostName ??= value;
        break;
      case 'port': {
        const port = Number(value);
        if (result.port === undefined && Number.isInteger(port) && port > 0 && port < 65536) result.port = port;
        break;
      }
      case 'user':
        result.user ??= value;
        break;
      case 'identityfile':
        result.identityFiles.push(value);
        break;
      case 'proxycommand':
        if (result.proxyCommand === undefined && value.toLowerCase() !== 'none') result.proxyCommand = item.args.join(' ');
        break;
      case 'proxyjump':
        // One comma-separated argument; spaces after commas are tolerated.
        result.proxyJump ??=
          value.toLowerCase() === 'none' ? [] : item.args.join('').split(',').map((s) => s.trim()).filter(Boolean);
        break;
      default:
        break;
    }
  }
  if (hostName !== undefined) result.hostName = expandTokens(hostName, { h: alias });
  const h = result.hostName ?? alias;
  result.identityFiles = result.identityFiles.map((f) =>
    expandTilde(expandTokens(f, { h, r: result.user ?? '', p: result.port ?? 22 })),
  );
  return result;
}

/** Read a config file; a missing file is an empty config. */
export function loadSshConfig(file: string): SshConfig {
  return parseSshConfig(readText(file), file);
}

export function defaultSshConfigFile(): string {
  return join(homedir(), '.ssh', 'config');
}

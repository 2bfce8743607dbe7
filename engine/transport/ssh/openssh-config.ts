// SSH options resolved as OpenSSH itself resolves them: `ssh -G HOST` prints the settings ssh
// would use for HOST after every Host and Match block, Include, token and default — so Match,
// ProxyCommand, UserKnownHostsFile and the rest behave as the user's ssh does. Used whenever an
// OpenSSH client is installed; the built-in reader (ssh-config.ts) only when it is not.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { PlayError } from '../../errors.js';
import { quote } from '../../util/shell.js';
import { expandTilde, expandTokens, lookupSshConfig, type SshConfig, type SshConfigHost } from './ssh-config.js';

/** What the inventory says about a hop, handed to ssh so Match blocks see what ssh would. */
export interface GivenOptions {
  port?: number;
  user?: string;
  identityFile?: string;
}

/** The ssh settings for a name as typed after `ssh`. */
export type SshOptionsLookup = ((alias: string, given?: GivenOptions) => SshConfigHost) & {
  /**
   * Look the name up without blocking (ssh -G as a child the event loop does not wait on), so
   * that the synchronous call that follows answers from the cache. Absent for the built-in
   * reader, which never blocks for long.
   */
  prefetch?: (alias: string, given?: GivenOptions) => Promise<void>;
};

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
  // Answers (or the error ssh gave) by command line: ssh -G is asked once per name and options.
  const cache = new Map<string, SshConfigHost | PlayError>();
  const argsFor = (alias: string, given: GivenOptions): string[] => {
    const args = ['-G'];
    if (configFile !== undefined) args.push('-F', existsSync(configFile) ? configFile : '/dev/null');
    if (given.port !== undefined) args.push('-p', String(given.port));
    if (given.user !== undefined) args.push('-l', given.user);
    if (given.identityFile !== undefined) args.push('-i', given.identityFile);
    args.push('--', alias);
    return args;
  };
  const failure = (alias: string, err: unknown): PlayError => {
    const e = err as { stderr?: string; message: string };
    const why = (e.stderr ?? '').trim().split('\n').filter(Boolean).at(-1) ?? e.message;
    return new PlayError(`ssh -G ${alias}: cannot read the SSH settings for ${alias}: ${why}`, { code: 'E_INPUT' });
  };
  const answer = (hit: SshConfigHost | PlayError): SshConfigHost => {
    if (hit instanceof PlayError) throw hit;
    return hit;
  };
  const lookup: SshOptionsLookup = (alias, given = {}) => {
    const args = argsFor(alias, given);
    const key = args.join('\u0000');
    const cached = cache.get(key);
    if (cached) return answer(cached);
    let out: string;
    try {
      out = execFileSync(ssh, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
    } catch (err) {
      throw failure(alias, err);
    }
    const result = parseSshG(out, alias, given);
    cache.set(key, result);
    return result;
  };
  // Prefetches asked for in the same turn of the event loop go to a few children together (a
  // fork of a large process costs milliseconds of its event loop; hundreds of hosts would pay it
  // each): in chunks, in the order asked, a few children at a time, so the first hosts are
  // answered first. Only answers are cached: a name ssh fails on is asked again by the blocking
  // lookup, which then reports ssh's error exactly as it always does.
  const inflight = new Map<string, Promise<void>>();
  type Ask = { key: string; args: string[]; alias: string; given: GivenOptions; done: () => void };
  let queue: Ask[] = [];
  const chunks: Ask[][] = [];
  let running = 0;
  const pump = (): void => {
    while (running < BATCH_CHILDREN && chunks.length > 0) {
      const chunk = chunks.shift()!;
      running++;
      void runBatch(ssh, chunk.map((b) => b.args)).then((answers) => {
        running--;
        chunk.forEach((b, i) => {
          const out = answers[i];
          if (out !== undefined && !cache.has(b.key)) cache.set(b.key, parseSshG(out, b.alias, b.given));
          inflight.delete(b.key);
          b.done();
        });
        pump();
      });
    }
  };
  const flush = (): void => {
    // Small chunks first, so the first connections wait for a couple of names only.
    for (let i = 0, size = 2; i < queue.length; i += size, size = Math.min(BATCH_SIZE, size * 2)) chunks.push(queue.slice(i, i + size));
    queue = [];
    pump();
  };
  lookup.prefetch = (alias, given = {}) => {
    const args = argsFor(alias, given);
    const key = args.join('\u0000');
    if (cache.has(key)) return Promise.resolve();
    let pending = inflight.get(key);
    if (!pending) {
      pending = new Promise<void>((done) => {
        queue.push({ key, args, alias, given, done });
        if (queue.length === 1) setImmediate(flush);
      });
      inflight.set(key, pending);
    }
    return pending;
  };
  return lookup;
}

const BATCH_MARK = '@@podsec-play-ssh-G';
/** Names per child, and children at once (ssh -G takes a few ms of CPU per name). */
const BATCH_SIZE = 16;
const BATCH_CHILDREN = 4;

/**
 * `ssh -G` for several command lines from one /bin/sh child (the script on its stdin): the
 * output of each, or undefined where ssh failed or the batch did not finish in time.
 */
function runBatch(ssh: string, argsList: string[][]): Promise<(string | undefined)[]> {
  const script = argsList
    .map((args, i) => `${[ssh, ...args].map(quote).join(' ')} 2>/dev/null; printf '\n${BATCH_MARK} %s %s\n' ${i} "$?"`)
    .join('\n');
  return new Promise((resolve) => {
    const answers: (string | undefined)[] = new Array<string | undefined>(argsList.length).fill(undefined);
    let child;
    try {
      child = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'ignore'], timeout: TIMEOUT_MS * Math.max(1, Math.ceil(argsList.length / 50)) });
    } catch {
      return resolve(answers);
    }
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stdin.on('error', () => undefined);
    child.on('error', () => resolve(answers));
    child.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let start = 0;
      const mark = new RegExp(`\\n${BATCH_MARK} (\\d+) (\\d+)\\n`, 'g');
      for (let m = mark.exec(text); m; m = mark.exec(text)) {
        if (m[2] === '0') answers[Number(m[1])] = text.slice(start, m.index);
        start = m.index + m[0].length;
      }
      resolve(answers);
    });
    child.stdin.end(`${script}\n`);
  });
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

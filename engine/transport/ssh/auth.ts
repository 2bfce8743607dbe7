// The authentication methods for one hop, in the order tried: the inventory's or ssh config's
// key files, ssh-agent, then a password from a secret. Each attempt is recorded by a short
// description (never key material or passwords) so an E_AUTH error can list what was tried.
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { createHash } from 'node:crypto';
import type { AnyAuthMethod, ParsedKey, AuthenticationType, AuthHandlerMiddleware, KeyboardInteractiveCallback, Prompt } from 'ssh2';
import { PlayError } from '../../errors.js';
import type { SecretSource } from '../../secrets/store.js';
import { describeHop, type HopContext } from './errors.js';
import type { Endpoint, IdentityFile } from './route.js';
import { askHidden, type PromptStreams } from './tty-prompt.js';

const { utils } = ssh2;

export interface AuthDeps {
  secrets: SecretSource;
  /** Where to ask for a passphrase; undefined when stdin is not a terminal. */
  tty: PromptStreams | undefined;
}

export interface AuthMethodEntry {
  method: AnyAuthMethod;
  /** e.g. `publickey ~/.ssh/id_ed25519`, `agent`, `password (secret NAME)`. */
  description: string;
}

export interface AuthPlan {
  entries: AuthMethodEntry[];
  /** Why some configured method could not even be tried. */
  skipped: string[];
  /** Default key files looked for and not there (ssh skips those silently too). */
  absent: string[];
}

/** Passphrases typed on the terminal, kept for this process only, so each key is asked once. */
const typedPassphrases = new Map<string, string>();
/** Decrypted keys by content and passphrase, for this process only. */
const openedKeys = new Map<string, ParsedKey>();

export async function planAuth(ep: Endpoint, deps: AuthDeps): Promise<AuthPlan> {
  const entries: AuthMethodEntry[] = [];
  const skipped: string[] = [];
  const absent: string[] = [];
  for (const file of ep.identityFiles) {
    const entry = await keyEntry(ep, file, deps, skipped, absent);
    if (entry) entries.push(entry);
  }
  const sock = process.env.SSH_AUTH_SOCK;
  if (ep.useAgent && sock) {
    entries.push({ method: { type: 'agent', username: ep.user, agent: sock }, description: 'agent (SSH_AUTH_SOCK)' });
  }
  if (ep.passwordSecret) {
    const password = deps.secrets.get(ep.passwordSecret);
    if (password === undefined) {
      skipped.push(`password: secret ${ep.passwordSecret} is not set`);
    } else {
      const described = `password (secret ${ep.passwordSecret})`;
      entries.push({ method: { type: 'password', username: ep.user, password }, description: described });
      entries.push({
        method: { type: 'keyboard-interactive', username: ep.user, prompt: answerWith(password) },
        description: `keyboard-interactive (secret ${ep.passwordSecret})`,
      });
    }
  }
  return { entries, skipped, absent };
}

function answerWith(password: string) {
  return (_name: string, _instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
    finish(prompts.map(() => password));
  };
}

async function keyEntry(
  ep: Endpoint,
  file: IdentityFile,
  deps: AuthDeps,
  skipped: string[],
  absent: string[],
): Promise<AuthMethodEntry | undefined> {
  let data: Buffer;
  try {
    data = await readFile(file.path);
  } catch (err) {
    if (!file.optional) skipped.push(`publickey ${file.path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    else absent.push(file.path);
    return undefined;
  }
  const description = `publickey ${file.path}`;
  const plain = utils.parseKey(data);
  if (!(plain instanceof Error)) {
    return { method: { type: 'publickey', username: ep.user, key: data }, description };
  }
  if (!/encrypted|passphrase/i.test(plain.message)) {
    skipped.push(`publickey ${file.path}: not a private key ssh2 can read`);
    return undefined;
  }
  const key = await openEncrypted(ep, file, data, deps, skipped);
  if (!key) return undefined;
  return { method: { type: 'publickey', username: ep.user, key }, description };
}

/** Open (decrypt) a key once per file content and passphrase: it costs ~0.5 s (bcrypt). */
function parsed(data: Buffer, passphrase: string): ParsedKey | undefined {
  const cacheKey = createHash('sha256').update(data).update('\0').update(passphrase).digest('hex');
  const cached = openedKeys.get(cacheKey);
  if (cached) return cached;
  const key = utils.parseKey(data, passphrase);
  if (key instanceof Error) return undefined;
  const one = Array.isArray(key) ? (key[0] as ParsedKey | undefined) : key;
  if (one) openedKeys.set(cacheKey, one);
  return one;
}


async function openEncrypted(
  ep: Endpoint,
  file: IdentityFile,
  data: Buffer,
  deps: AuthDeps,
  skipped: string[],
): Promise<ParsedKey | undefined> {
  if (ep.passphraseSecret) {
    const secret = deps.secrets.get(ep.passphraseSecret);
    if (secret !== undefined) {
      const key = parsed(data, secret);
      if (key) return key;
      skipped.push(`publickey ${file.path}: the passphrase in secret ${ep.passphraseSecret} does not open it`);
      return undefined;
    }
  }
  const cached = typedPassphrases.get(file.path);
  if (cached !== undefined) return parsed(data, cached);
  if (!deps.tty) {
    skipped.push(`publickey ${file.path}: encrypted, and no passphrase (set ssh.passphraseSecret, or run on a terminal)`);
    return undefined;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const typed = await askHidden(`Enter passphrase for key ${file.path}: `, deps.tty);
    const key = parsed(data, typed);
    if (key) {
      typedPassphrases.set(file.path, typed);
      return key;
    }
  }
  skipped.push(`publickey ${file.path}: wrong passphrase typed three times`);
  return undefined;
}

/** The server names `publickey` for agent keys too. */
function serverName(type: AuthenticationType): AuthenticationType {
  return type === 'agent' ? 'publickey' : type;
}

/** ssh2 authHandler that walks the plan, skipping methods the server does not offer. */
export function authHandler(plan: AuthPlan, tried: string[]): AuthHandlerMiddleware {
  let index = 0;
  return (authsLeft, _partial, next) => {
    while (index < plan.entries.length) {
      const entry = plan.entries[index++];
      if (!entry) continue;
      if (authsLeft && authsLeft.length > 0 && !authsLeft.includes(serverName(entry.method.type))) continue;
      tried.push(entry.description);
      next(entry.method);
      return;
    }
    next(false as unknown as AuthenticationType);
  };
}

/** The E_AUTH error: names the hop, the key files and methods tried, and the likely fix; never a secret. */
export function authError(ctx: HopContext, plan: AuthPlan, tried: string[], cause?: unknown): PlayError {
  const parts = [`tried: ${tried.length > 0 ? [...new Set(tried)].join(', ') : 'nothing'}`];
  if (plan.skipped.length > 0) parts.push(`not tried: ${plan.skipped.join('; ')}`);
  if (plan.absent.length > 0 && plan.entries.every((e) => !e.description.startsWith('publickey '))) {
    parts.push(`no key file found (looked for ${plan.absent.join(', ')})`);
  }
  parts.push(likelyFix(ctx, plan, tried));
  return new PlayError(`${describeHop(ctx)}: authentication failed (${parts.join('; ')})`, {
    code: 'E_AUTH',
    host: ctx.host,
    retryable: false,
    cause,
  });
}

/** What to do about it, worded for the case at hand. */
function likelyFix(ctx: HopContext, plan: AuthPlan, tried: string[]): string {
  const { user, hostname } = ctx.hop;
  const keys = [...new Set(tried.filter((t) => t.startsWith('publickey ')).map((t) => t.slice('publickey '.length)))];
  if (keys.length > 0) {
    const shown = keys.map((k) => `${k}.pub`).join(' or ');
    return `the server refused these keys for ${user}: add ${shown} to ~${user}/.ssh/authorized_keys on ${hostname} (ssh-copy-id -i ${keys[0]}.pub ${user}@${hostname} does it), or point ssh.identityFile at a key it accepts`;
  }
  if (plan.entries.length === 0) return 'set ssh.identityFile to a private key, start ssh-agent (SSH_AUTH_SOCK), or set ssh.passwordSecret';
  return `check that ${user} may log in on ${hostname} with these methods`;
}

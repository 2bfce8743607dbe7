// Secret values are registered here as soon as they are known (secrets read from the
// environment, outputs a step marks secret) and replaced by [REDACTED] at every exit:
// events, logs, errors, plan output, state printouts.
//
// A secret leaves in more forms than its raw text, so each form the code (or a program it runs)
// may give it is registered too: shell-quoted as quote() writes it (once, and again inside a
// `sh -c '…'` the transports wrap around a command), JSON-escaped (a value inside a JSON
// document), and base64 (how Kubernetes Secrets and kubeconfigs carry data). Reports encode
// (JSON lines, XML, ANSI cleaning) only after masking, so those need no form of their own.
//
// Values shorter than 4 characters (a 3-character VRRP password) are masked where they stand as
// a whole token — not touching a letter, a digit or `_` — so `ab` is hidden in `pass=ab;` but
// `about` stays readable. Output that happens to contain the same short token elsewhere is
// masked too: a short secret costs readability, never secrecy.

export const REDACTED = '[REDACTED]';

// Shapes that are secret wherever they appear, even before a step has parsed them out of its
// output: kubeadm bootstrap tokens and certificate keys (kubeadm prints both in clear).
// Each shape comes with a substring it cannot match without, checked first (every event's
// every string passes here).
const SECRET_SHAPES: [string, RegExp, string][] = [
  ['.', /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, REDACTED],
  ['--certificate-key', /(--certificate-key[ =])[0-9a-f]{64}\b/g, `$1${REDACTED}`],
  ['PRIVATE KEY', /(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----)/g, `$1${REDACTED}$2`],
];

/** Below this length a form is masked only as a whole token. */
export const SHORT = 4;

export class Masker {
  private readonly values = new Set<string>();
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;

  /** Register a secret value, in every form it may take on its way out. */
  add(value: string | undefined): void {
    if (value === undefined) return;
    const v = value.trim();
    if (v.length === 0 || this.values.has(v)) return;
    this.values.add(v);
    for (const form of formsOf(v)) this.forms.add(form);
    this.pattern = undefined;
    // Output is masked line by line: a multi-line secret (a key file) is registered per line too.
    if (v.includes('\n')) for (const line of v.split(/\r?\n/)) this.add(line);
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (text.length === 0) return text;
    for (const [needle, shape, replacement] of SECRET_SHAPES) if (text.includes(needle)) text = text.replace(shape, replacement);
    if (this.forms.size === 0) return text;
    this.pattern ??= buildPattern([...this.forms]);
    return text.replace(this.pattern, REDACTED);
  }

  /** Mask every string inside a JSON-like value (returns a copy). */
  maskDeep<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walk(v);
      return out;
    }
    return value;
  }
}

/** Inside single quotes, a `'` is written `'\''` (engine/util/shell.ts quote()). */
const escapeForSingleQuotes = (s: string): string => s.replace(/'/g, `'\\''`);

/** The raw value and what the code or the programs it runs may turn it into. */
export function formsOf(v: string): string[] {
  const quoted = escapeForSingleQuotes(v);
  const shell = [v, quoted, escapeForSingleQuotes(quoted)];
  const json = shell.map((s) => JSON.stringify(s).slice(1, -1));
  const base64 = [Buffer.from(v).toString('base64'), Buffer.from(v).toString('base64').replace(/=+$/, '')];
  return [...new Set([...shell, ...json, ...(v.length >= SHORT ? base64 : [])])];
}

function buildPattern(forms: string[]): RegExp {
  const alternatives = forms
    .sort((a, b) => b.length - a.length)
    .map((f) => {
      const body = escapeRegExp(f);
      if (f.length >= SHORT) return body;
      // A short form counts only as a whole token: no letter, digit or _ right before or after.
      const before = /^[\p{L}\p{N}_]/u.test(f) ? '(?<![\\p{L}\\p{N}_])' : '';
      const after = /[\p{L}\p{N}_]$/u.test(f) ? '(?![\\p{L}\\p{N}_])' : '';
      return `${before}${body}${after}`;
    });
  return new RegExp(alternatives.join('|'), 'gu');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

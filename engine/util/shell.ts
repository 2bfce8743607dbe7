// Every value that reaches a shell goes through quote(): POSIX single quotes, with embedded
// single quotes closed, escaped and reopened. Safe for sh, dash, bash and busybox ash.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quote(value: string | number | boolean): string {
  const s = String(value);
  if (s.length > 0 && SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quote each argument and join them into one command line. */
export function command(...argv: (string | number | boolean)[]): string {
  return argv.map(quote).join(' ');
}

/** `export A='x' B='y'; ` prefix for a command, or '' when there is nothing to export. */
export function exportEnv(env: Record<string, string> | undefined): string {
  if (!env) return '';
  const names = Object.keys(env);
  if (names.length === 0) return '';
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name: ${name}`);
  }
  return `export ${names.map((n) => `${n}=${quote(env[n] ?? '')}`).join(' ')}; `;
}

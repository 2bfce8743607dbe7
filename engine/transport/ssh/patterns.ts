// OpenSSH's host pattern rules (`*`, `?`, `!negation`), shared by known_hosts and ssh_config
// so both match a host exactly as ssh(1) would.

/** Glob match of one pattern (`*` any run, `?` one character), case-insensitive. */
export function matchPattern(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  // Iterative glob with backtracking on the last `*`.
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * A list matches when some positive pattern matches and no negated one does
 * (a matching `!pattern` vetoes the whole list, as in OpenSSH's match_pattern_list).
 */
export function matchPatternList(patterns: string[], text: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (pattern === '') continue;
    if (pattern.startsWith('!')) {
      if (matchPattern(pattern.slice(1), text)) return false;
    } else if (matchPattern(pattern, text)) {
      matched = true;
    }
  }
  return matched;
}

// Marker lines a command prints for the transport, stripped from the output it reports:
// - `podsec-pid:N`: lets the transport kill a command that passes its timeout or is aborted.
//   sshd refuses signal requests on root logins ("session signalling requires privilege
//   separation") and closing a channel without a PTY leaves the command running, so each
//   command first reports its shell's pid (the session leader: sshd calls setsid), and a kill
//   is a second, tiny exec: `kill -TERM -- -PID`.
// - `podsec-env`: on a PTY the command asks for its environment script once sudo is done
//   reading the password from the same terminal (see command-line.ts).

const RS = '\u001e';
/** Look for the marker only in the first bytes of output. */
const SCAN_LIMIT = 64 * 1024;

/** The prefix added in front of a command: prints the marker on stderr. */
export function pidMarkerPrefix(): string {
  return `printf '\\036podsec-pid:%s\\n' "$$" >&2; `;
}

/** Printed on the PTY when the command is ready to read its environment script. */
export function envRequestPrefix(): string {
  return `printf '\\036podsec-env\\n'; `;
}

/** The command that signals a reported process group (or the lone process if it has none). */
export function killCommand(pid: number, signal: 'TERM' | 'KILL'): string {
  return `kill -${signal} -- -${pid} 2>/dev/null || kill -${signal} ${pid} 2>/dev/null; true`;
}

const EMPTY = Buffer.alloc(0);
/** One pattern per marker name (a filter is made for every command). */
const LINES = new Map<string, RegExp>();

/** Strips one marker line from a stream (wherever the login shell's own noise put it). */
export class MarkerFilter {
  private pending = EMPTY;
  private done = false;
  private seen = 0;
  private readonly marker: string;
  private readonly line: RegExp;
  /** The marker's value (`podsec-pid:VALUE`), '' for a bare marker; undefined until seen. */
  value: string | undefined;

  constructor(
    name: string,
    private readonly onFound?: (value: string) => void,
  ) {
    this.marker = `${RS}${name}`;
    let line = LINES.get(name);
    if (!line) LINES.set(name, (line = new RegExp(`^${RS}${name}(?::(\\d+))?\\r?$`)));
    this.line = line;
  }

  /** The numeric value (the pid), when there is one. */
  get pid(): number | undefined {
    return this.value ? Number(this.value) : undefined;
  }

  /** Returns the bytes to pass on (a possible partial marker at the end is held back). */
  push(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = EMPTY;
    this.seen += chunk.length;
    if (this.seen > SCAN_LIMIT) return this.finish(data);
    const text = data.toString('latin1');
    const at = text.indexOf(this.marker);
    if (at === -1) {
      const keep = partialMarkerLength(text, this.marker);
      this.pending = Buffer.from(data.subarray(data.length - keep));
      return data.subarray(0, data.length - keep);
    }
    const nl = text.indexOf('\n', at);
    if (nl === -1) {
      this.pending = Buffer.from(data.subarray(at));
      return data.subarray(0, at);
    }
    const m = this.line.exec(text.slice(at, nl));
    if (!m) return this.finish(data);
    this.value = m[1] ?? '';
    this.done = true;
    this.onFound?.(this.value);
    // Most often the chunk is the marker line alone.
    if (at === 0) return nl + 1 === data.length ? EMPTY : data.subarray(nl + 1);
    return Buffer.concat([data.subarray(0, at), data.subarray(nl + 1)]);
  }

  /** Whatever was held back (output that merely started like the marker). */
  flush(): Buffer {
    return this.finish(EMPTY);
  }

  private finish(data: Buffer): Buffer {
    this.done = true;
    const out = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
    this.pending = EMPTY;
    return out;
  }
}

/** How many trailing characters could be the start of a marker cut by a chunk border. */
function partialMarkerLength(text: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
    if (marker.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}

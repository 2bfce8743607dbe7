// A stable hash: sha256 over JSON with object keys sorted, so the same inputs give the same plan
// hash on any machine and in any key order.
import { createHash } from 'node:crypto';

export function stableStringify(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

// Into one list of parts (a long playbook hashes thousands of steps: no string per level).
function write(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i], out);
    }
    out.push(']');
    return;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    out.push('{');
    keys.forEach((k, i) => {
      out.push(i > 0 ? ',' : '', JSON.stringify(k), ':');
      write(obj[k], out);
    });
    out.push('}');
    return;
  }
  out.push(JSON.stringify(value) ?? 'null');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

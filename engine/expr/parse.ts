// `${{ path }}` templates: parsed without eval into literal text and reference paths.
// A path is dotted names (letters, digits, _ and -) with optional ['quoted'] or [0] parts.

export interface ExprSegment {
  kind: 'expr';
  path: string[];
  source: string;
  /** Offset of `${{` inside the template string. */
  offset: number;
}

export interface TextSegment {
  kind: 'text';
  text: string;
}

export type Segment = TextSegment | ExprSegment;

export class ExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const OPEN = '${{';
const CLOSE = '}}';

export function hasExpression(value: string): boolean {
  return value.includes(OPEN);
}

export function parseTemplate(template: string): Segment[] {
  const segments: Segment[] = [];
  let pos = 0;
  while (pos < template.length) {
    const start = template.indexOf(OPEN, pos);
    if (start < 0) {
      segments.push({ kind: 'text', text: template.slice(pos) });
      break;
    }
    if (start > pos) segments.push({ kind: 'text', text: template.slice(pos, start) });
    const end = template.indexOf(CLOSE, start + OPEN.length);
    if (end < 0) throw new ExprSyntaxError('unterminated expression: "${{" without "}}"', start);
    const source = template.slice(start + OPEN.length, end).trim();
    segments.push({ kind: 'expr', path: parsePath(source, start), source, offset: start });
    pos = end + CLOSE.length;
  }
  return segments;
}

/** The single expression when the whole string is exactly one `${{ … }}`, else undefined. */
export function soleExpression(template: string): ExprSegment | undefined {
  if (!template.trimStart().startsWith(OPEN)) return undefined;
  const segments = parseTemplate(template.trim());
  return segments.length === 1 && segments[0]!.kind === 'expr' ? segments[0] : undefined;
}

function parsePath(source: string, offset: number): string[] {
  if (source === '') throw new ExprSyntaxError('empty expression "${{ }}"', offset);
  const path: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new ExprSyntaxError(`invalid expression "${source}": ${why} (expressions are paths like vars.name or steps.init.outputs.token)`, offset);
  };
  while (i < source.length) {
    if (source[i] === '[') {
      const close = source.indexOf(']', i);
      if (close < 0) fail('"[" without "]"');
      const inner = source.slice(i + 1, close).trim();
      const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(inner);
      if (quoted) path.push(quoted[1] ?? quoted[2] ?? '');
      else if (/^\d+$/.test(inner)) path.push(inner);
      else fail(`unexpected "[${inner}]"`);
      i = close + 1;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i));
      if (!m) fail(`unexpected "${source.slice(i, i + 10)}"`);
      path.push(m![0]);
      i += m![0].length;
    }
    if (i < source.length) {
      if (source[i] === '.') {
        i++;
        if (i >= source.length) fail('ends with "."');
      } else if (source[i] !== '[') {
        fail(`unexpected "${source.slice(i, i + 10)}"`);
      }
    }
  }
  return path;
}

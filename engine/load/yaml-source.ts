// YAML with source positions: parse once, then map any JSON path (ajv's instancePath or our
// own) back to `line:col` so every message can point at the offending key or value. Reading is
// bounded (yaml-limits.ts): too large a file is refused before parsing, and nesting, aliases
// and duplicate keys are checked in linear time, each problem with its position.
import { readFileSync, statSync } from 'node:fs';
import { Document as YamlDocument, LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { InputError, PlayError, type Diagnostic } from '../errors.js';
import { MAX_ALIAS_COUNT, MAX_DEPTH, MAX_INPUT_BYTES, aliasBombOffset, deepestOffset, documentProblems } from './yaml-limits.js';

export type PathSegment = string | number;

export class YamlSource {
  readonly doc: Document;
  private readonly lines: LineCounter;
  /** Set when the parser itself could not get through the text (nesting past its stack). */
  private readonly unreadable: Diagnostic | undefined;
  private data: { value: unknown } | undefined;

  private constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineCounter();
    let doc: Document;
    try {
      // uniqueKeys off: yaml checks them in quadratic time; documentProblems does it in linear.
      doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      doc = new YamlDocument(null);
      const [line, col] = this.lineColOfText(deepestOffset(text));
      this.unreadable = { file, line, col, message: tooDeep() };
    }
    this.doc = doc;
  }

  static fromText(file: string, text: string): YamlSource {
    return new YamlSource(file, text);
  }

  static read(file: string): YamlSource {
    let text: string;
    try {
      const size = statSync(file).size;
      if (size > MAX_INPUT_BYTES) {
        throw new InputError([
          { file, line: 1, col: 1, message: `the file is ${size} bytes; podsec-play reads at most ${MAX_INPUT_BYTES} bytes (${MAX_INPUT_BYTES / 1024} KiB) of YAML: is it the right file?` },
        ]);
      }
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof PlayError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
      throw new PlayError(`${file}: cannot read: ${why}`, { code: 'E_INPUT' });
    }
    return new YamlSource(file, text);
  }

  /** YAML syntax problems (and warnings worth failing on), then the limits on size, nesting,
   * aliases and keys, with positions. */
  syntaxDiagnostics(): Diagnostic[] {
    if (this.unreadable) return [this.unreadable];
    const syntax = [...this.doc.errors, ...this.doc.warnings].map((e) => {
      const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : this.lineCol(e.pos[0]);
      const message = e.code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(e.message) ? tooDeep() : cleanYamlMessage(e.message);
      return { file: this.file, line, col, message };
    });
    if (syntax.length) return syntax;
    const limits = documentProblems(this.doc, (offset) => this.lineCol(offset)[0]).map((p) => this.diagAtTextOffset(p.offset, p.message));
    if (limits.length) return limits;
    try {
      this.data = { value: this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
    } catch (err) {
      if (!(err instanceof ReferenceError || err instanceof RangeError)) throw err;
      return [this.diagAtTextOffset(aliasBombOffset(this.doc), `aliases expand to too much data (more than ${MAX_ALIAS_COUNT} expansions: an alias bomb?)`)];
    }
    return [];
  }

  /** The document as data (call syntaxDiagnostics first: it is what checks the limits). */
  toJS(): unknown {
    if (!this.data) {
      const problems = this.syntaxDiagnostics();
      if (problems.length) throw new InputError(problems);
    }
    return this.data!.value;
  }

  /** The node at a path, or the deepest existing ancestor. `key: true` points at the map key. */
  nodeAt(path: PathSegment[], options: { key?: boolean } = {}): Node | undefined {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return node as Node;
        keyNode = pair.key;
        node = pair.value ?? pair.key;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (item === undefined) return node as Node;
        keyNode = undefined;
        node = item;
      } else {
        return node as Node | undefined;
      }
    }
    if (options.key && keyNode) return keyNode as Node;
    return node as Node | undefined;
  }

  /** 1-based line and column of a path (its value; its key with `key: true`). */
  position(path: PathSegment[], options: { key?: boolean } = {}): { line: number; col: number } {
    const node = this.nodeAt(path, options);
    const [line, col] = this.lineCol(node?.range?.[0] ?? 0);
    return { line, col };
  }

  /** `file:line:col` of a path, for messages that come later (plan, runtime). */
  where(path: PathSegment[]): string {
    const { line, col } = this.position(path);
    return `${this.file}:${line}:${col}`;
  }

  diag(path: PathSegment[], message: string, options: { key?: boolean } = {}): Diagnostic {
    const { line, col } = this.position(path, options);
    return { file: this.file, line, col, message };
  }

  /** Offset inside a scalar's source (for an expression inside a longer string). */
  diagAtOffset(path: PathSegment[], offsetInValue: number, message: string): Diagnostic {
    const node = this.nodeAt(path);
    let start = node?.range?.[0] ?? 0;
    if (isScalar(node) && typeof node.value === 'string' && node.range) {
      // Escapes, quotes and block indentation shift offsets, so find the same `${{` in the
      // source: the n-th one in the value is the n-th one in the raw text.
      const value = node.value;
      const raw = this.text.slice(node.range[0], node.range[1]);
      const nth = countOccurrences(value.slice(0, offsetInValue), '${{');
      let at = -1;
      for (let i = 0; i <= nth; i++) {
        at = raw.indexOf('${{', at + 1);
        if (at < 0) break;
      }
      if (at >= 0) start = node.range[0] + at;
    }
    const [line, col] = this.lineCol(start);
    return { file: this.file, line, col, message };
  }

  private lineCol(offset: number): [number, number] {
    const { line, col } = this.lines.linePos(offset);
    return [line, col];
  }

  private diagAtTextOffset(offset: number, message: string): Diagnostic {
    const [line, col] = this.lineCol(offset);
    return { file: this.file, line, col, message };
  }

  /** line:col by counting in the text (when the parser stopped before its line counter did). */
  private lineColOfText(offset: number): [number, number] {
    const before = this.text.slice(0, offset);
    const line = before.split('\n').length;
    return [line, offset - before.lastIndexOf('\n')];
  }
}

function tooDeep(): string {
  return `nested more than ${MAX_DEPTH} levels deep (or too deep to read): flatten it`;
}

function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function cleanYamlMessage(message: string): string {
  // yaml's messages end with " at line L, column C" plus a code frame: we print our own position.
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Turn ajv's JSON pointer into path segments. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

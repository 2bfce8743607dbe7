// Limits on what a YAML input may cost to read, so that no file — a mistake or a hostile one —
// can exhaust memory, the stack or the clock before validation has said what is wrong with it:
// a size cap (checked before parsing), a nesting cap, a cap on alias expansion, no alias cycles,
// no alias without its anchor, and duplicate keys found in linear time. Each problem is a
// Diagnostic with the position of the offending node.
import { isAlias, isCollection, isMap, isScalar, visit, type Document, type Node } from 'yaml';

/** The largest input file read (playbooks, inventories, secrets files): 128 KiB. A real
 * inventory of a thousand hosts, one line each, is about half of it; validating a file this size takes
 * well under a second (BENCHMARKS.md). */
export const MAX_INPUT_BYTES = 128 * 1024;

/** Collections nested deeper than this are refused (real playbooks nest fewer than 10). */
export const MAX_DEPTH = 64;

/** Alias expansions allowed when the document is turned into data (yaml's own guard). */
export const MAX_ALIAS_COUNT = 100;

export interface Problem {
  /** Offset in the text. */
  offset: number;
  message: string;
}

/** 1-based line of an offset (for messages that point at a second place). */
export type LineOf = (offset: number) => number;

/**
 * Structural problems of a parsed document, in one pass over its nodes (iterative: a deep
 * document cannot overflow the stack here): nesting past MAX_DEPTH, an alias before its anchor,
 * an alias inside the node it names (a cycle), and duplicate keys in a map.
 */
export function documentProblems(doc: Document, lineOf: LineOf): Problem[] {
  const problems: Problem[] = [];
  if (!doc.contents) return problems;
  // Depth and duplicate keys, without recursion.
  const stack: { node: Node; depth: number }[] = [{ node: doc.contents as Node, depth: 1 }];
  let tooDeep = false;
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth > MAX_DEPTH) {
      if (!tooDeep) problems.push({ offset: node.range?.[0] ?? 0, message: `nested more than ${MAX_DEPTH} levels deep` });
      tooDeep = true;
      continue;
    }
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const key = String(pair.key.value);
          const first = seen.get(key);
          if (first !== undefined) problems.push({ offset: pair.key.range?.[0] ?? 0, message: `Map keys must be unique: "${key}" is already a key of this map, at line ${lineOf(first)}` });
          else seen.set(key, pair.key.range?.[0] ?? 0);
        }
        for (const child of [pair.key, pair.value]) if (child && isCollection(child)) stack.push({ node: child as Node, depth: depth + 1 });
      }
    } else {
      for (const item of node.items) if (isCollection(item)) stack.push({ node: item as Node, depth: depth + 1 });
    }
  }
  if (tooDeep) return problems; // aliases are not followed in a document that deep
  // Aliases: each must come after its anchor and must not sit inside the node it names.
  const anchors = new Set<string>();
  visit(doc, (_key, node, path) => {
    if (isAlias(node)) {
      const name = node.source;
      if (!anchors.has(name)) {
        problems.push({ offset: node.range?.[0] ?? 0, message: `unknown alias *${name}: no anchor &${name} before it` });
        return;
      }
      const target = node.resolve(doc);
      if (target && path.includes(target as never)) {
        problems.push({ offset: node.range?.[0] ?? 0, message: `alias *${name} is inside the node &${name} names: a cycle` });
      }
      return;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.add(anchor);
  });
  return problems;
}

/** Where an alias bomb starts: the first alias whose anchor's node itself holds an alias. */
export function aliasBombOffset(doc: Document): number {
  let first: number | undefined;
  let amplifier: number | undefined;
  visit(doc, (_key, node) => {
    if (!isAlias(node)) return;
    first ??= node.range?.[0];
    const target = node.resolve(doc);
    let nested = false;
    if (target) {
      visit(target as never, (_k, inner) => {
        if (isAlias(inner)) {
          nested = true;
          return visit.BREAK;
        }
        return undefined;
      });
    }
    if (nested && amplifier === undefined) amplifier = node.range?.[0];
    return amplifier === undefined ? undefined : visit.BREAK;
  });
  return amplifier ?? first ?? 0;
}

/**
 * Where the nesting of a text gets deepest, by a rough scan (indentation, `- ` entries and flow
 * brackets outside quotes): for a text too deep for the parser to read at all.
 */
export function deepestOffset(text: string): number {
  let best = 0;
  let bestDepth = -1;
  let offset = 0;
  const indents: number[] = [];
  let flow = 0;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const body = line.slice(indent);
    if (body && !body.startsWith('#')) {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      const dashes = /^(-\s+)+/.exec(body)?.[0].split('-').length ?? 1;
      let quote: string | undefined;
      for (let i = 0; i < body.length; i++) {
        const c = body[i]!;
        if (quote) {
          if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '[' || c === '{') {
          flow++;
          const depth = indents.length + dashes + flow;
          if (depth > bestDepth) {
            bestDepth = depth;
            best = offset + indent + i;
          }
        } else if (c === ']' || c === '}') flow = Math.max(0, flow - 1);
      }
      const depth = indents.length + dashes + flow;
      if (depth > bestDepth) {
        bestDepth = depth;
        best = offset + indent;
      }
    }
    offset += line.length + 1;
  }
  return best;
}

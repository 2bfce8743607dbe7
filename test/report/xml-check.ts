// A small strict XML 1.0 well-formedness checker for the JUnit tests (no dependency needed): one
// root, properly nested and closed tags, unique quoted attributes, only the five predefined or
// numeric entity references, no raw `<` or `&` in text or attributes, only characters XML allows.
// Returns a tiny tree so tests can count elements; throws with the offset of the first problem.

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ALLOWED_CHAR = /^[\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, at: number): string {
  if (/<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`bad markup or entity near offset ${at}: ${JSON.stringify(raw.slice(0, 80))}`);
  const text = raw.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e]!;
  });
  if (!ALLOWED_CHAR.test(text)) throw new Error(`character reference to a forbidden character near offset ${at}`);
  return text;
}

export function parseXml(xml: string): XmlNode {
  if (!ALLOWED_CHAR.test(xml)) throw new Error('document contains characters XML 1.0 forbids');
  let i = 0;
  const decl = /^<\?xml version="1\.0"( encoding="UTF-8")?\?>/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  while (i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) throw new Error(`unclosed comment at ${i}`);
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      const m = NAME.exec(xml.slice(i + 2));
      const open = stack.pop();
      if (!m || !open || open.name !== m[0]) throw new Error(`mismatched closing tag at ${i}`);
      i += 2 + m[0].length;
      while (/\s/.test(xml[i] ?? '')) i++;
      if (xml[i] !== '>') throw new Error(`bad closing tag at ${i}`);
      i++;
    } else if (xml[i] === '<') {
      const m = NAME.exec(xml.slice(i + 1));
      if (!m) throw new Error(`bad tag name at ${i}`);
      const node: XmlNode = { name: m[0], attrs: {}, children: [], text: '' };
      i += 1 + m[0].length;
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(i))![0].length;
        i += ws;
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (ws === 0) throw new Error(`attributes must be separated by whitespace at ${i}`);
        const a = /^([A-Za-z_:][A-Za-z0-9_:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(xml.slice(i));
        if (!a) throw new Error(`bad attribute at ${i}`);
        if (a[1]! in node.attrs) throw new Error(`duplicate attribute ${a[1]} at ${i}`);
        node.attrs[a[1]!] = decode(a[3] ?? a[4] ?? '', i);
        i += a[0].length;
      }
      if (stack.length) stack[stack.length - 1]!.children.push(node);
      else if (root) throw new Error(`second root element at ${i}`);
      else root = node;
      if (xml.startsWith('/>', i)) i += 2;
      else {
        i += 1;
        stack.push(node);
      }
    } else {
      const next = xml.indexOf('<', i);
      const raw = xml.slice(i, next < 0 ? xml.length : next);
      const text = decode(raw, i);
      if (stack.length) stack[stack.length - 1]!.text += text;
      else if (text.trim()) throw new Error(`text outside the root element at ${i}`);
      i += raw.length;
    }
  }
  if (stack.length) throw new Error(`unclosed element <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

export function findAll(node: XmlNode, name: string): XmlNode[] {
  return [...(node.name === name ? [node] : []), ...node.children.flatMap((c) => findAll(c, name))];
}

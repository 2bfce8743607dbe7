// Just enough XML for JUnit reports, with escaping that keeps the file well-formed whatever a
// remote command printed: markup characters escaped, escape sequences dropped, characters XML 1.0
// forbids (NUL, other C0 controls, lone surrogates, U+FFFE/U+FFFF) written as visible \uXXXX.
import { stripAnsi } from './ansi.js';

const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function visible(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function xmlText(value: string): string {
  return stripAnsi(value)
    .replace(FORBIDDEN, visible)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

export function xmlAttr(value: string): string {
  return xmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

export interface XmlElement {
  name: string;
  attrs?: Record<string, string | number | undefined>;
  children?: XmlElement[];
  text?: string;
}

export function renderXml(root: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderElement(root, 0)}\n`;
}

function renderElement(el: XmlElement, depth: number): string {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(el.attrs ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
  const children = el.children ?? [];
  if (children.length === 0 && el.text === undefined) return `${pad}<${el.name}${attrs}/>`;
  if (children.length === 0) return `${pad}<${el.name}${attrs}>${xmlText(el.text ?? '')}</${el.name}>`;
  const inner = children.map((c) => renderElement(c, depth + 1)).join('\n');
  return `${pad}<${el.name}${attrs}>\n${inner}\n${pad}</${el.name}>`;
}

// Block-style YAML as kubeadm and kubectl write kubeconfigs: nested mappings by indentation,
// sequences of `- ` items, plain or quoted scalars, `{}`, `[]`, `null`. The stand-ins carry no
// npm dependency (the single executable runs them without node_modules), so kubeconfigs are read
// with this small reader instead of a YAML library; anything it cannot read is undefined.

function scalar(text) {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null') return null;
  if (t === '{}') return {};
  if (t === '[]') return [];
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (/^".*"$/.test(t)) return JSON.parse(t);
  return t.replace(/\s+#.*$/, '');
}

/** Lines without comments and blanks: {indent, text}. */
function linesOf(text) {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !/^\s*#/.test(l) && l.trim() !== '---')
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
}

/** Parse the block starting at lines[i] (all at `indent`); returns [value, next index]. */
function block(lines, i, indent) {
  if (lines[i].text.startsWith('- ') || lines[i].text === '-') {
    const list = [];
    while (i < lines.length && lines[i].indent === indent && (lines[i].text.startsWith('- ') || lines[i].text === '-')) {
      const rest = lines[i].text.slice(1).trimStart();
      if (rest === '') {
        const [v, next] = i + 1 < lines.length && lines[i + 1].indent > indent ? block(lines, i + 1, lines[i + 1].indent) : [null, i + 1];
        list.push(v);
        i = next;
        continue;
      }
      // `- key: value` opens a mapping whose keys sit at the column after "- "
      const inner = indent + (lines[i].text.length - rest.length);
      const copy = lines.slice();
      copy[i] = { indent: inner, text: rest };
      const [v, next] = block(copy, i, inner);
      list.push(v);
      i = next;
    }
    return [list, i];
  }
  const map = {};
  while (i < lines.length && lines[i].indent === indent && !lines[i].text.startsWith('- ')) {
    const m = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:]+?):(?:\s+(.*))?$/.exec(lines[i].text);
    if (!m) throw new Error(`not a mapping line: ${lines[i].text}`);
    const key = scalar(m[1]);
    if (m[2] !== undefined && m[2] !== '') {
      map[key] = scalar(m[2]);
      i += 1;
    } else if (i + 1 < lines.length && (lines[i + 1].indent > indent || (lines[i + 1].indent === indent && lines[i + 1].text.startsWith('- ')))) {
      const [v, next] = block(lines, i + 1, lines[i + 1].indent);
      map[key] = v;
      i = next;
    } else {
      map[key] = null;
      i += 1;
    }
  }
  return [map, i];
}

/** The document as plain data, or undefined when it is not block YAML this reader knows. */
export function parseBlockYaml(text) {
  try {
    const lines = linesOf(text);
    if (lines.length === 0) return undefined;
    return block(lines, 0, lines[0].indent)[0];
  } catch {
    return undefined;
  }
}

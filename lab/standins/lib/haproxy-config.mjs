// A light reading of haproxy.cfg: sections, binds, backends and servers, and the mistakes a
// template is likely to make (no bind, unknown default_backend, bad server address). The real
// `haproxy -c -f` is used for the real check elsewhere.
const SECTIONS = ['global', 'defaults', 'frontend', 'backend', 'listen', 'resolvers', 'peers', 'userlist', 'program', 'http-errors', 'ring', 'cache', 'mailers'];

function parseAddress(text) {
  const m = text.match(/^(\*|\[?[0-9a-fA-F:.]*\]?|[A-Za-z0-9.-]+)?:(\d+)$/);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] && m[1] !== '*' ? m[1] : '*', port };
}

export function parseHaproxy(text, file = 'haproxy.cfg') {
  const errors = [];
  const sections = [];
  let current;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const words = line.split(/\s+/);
    const where = `parsing [${file}:${i + 1}]`;
    if (SECTIONS.includes(words[0])) {
      current = { type: words[0], name: words[1] ?? '', line: i + 1, binds: [], servers: [], defaultBackend: undefined, useBackends: [], mode: undefined };
      if (['frontend', 'backend', 'listen'].includes(words[0]) && !words[1]) errors.push(`${where} : '${words[0]}' expects <name> as an argument.`);
      sections.push(current);
      return;
    }
    if (!current) return void errors.push(`${where} : unknown keyword '${words[0]}' out of section.`);
    switch (words[0]) {
      case 'bind': {
        for (const spec of (words[1] ?? '').split(',')) {
          const a = parseAddress(spec);
          if (!a) errors.push(`${where} : '${current.type} ${current.name}' : invalid address '${spec}' in 'bind'.`);
          else current.binds.push(a);
        }
        break;
      }
      case 'server': {
        const a = words[2] ? parseAddress(words[2]) : undefined;
        if (!words[1] || !a) errors.push(`${where} : 'server ${words[1] ?? ''}' : invalid address '${words[2] ?? ''}'.`);
        else current.servers.push({ name: words[1], host: a.host, port: a.port, check: words.includes('check') });
        break;
      }
      case 'default_backend':
        current.defaultBackend = words[1];
        break;
      case 'use_backend':
        current.useBackends.push(words[1]);
        break;
      case 'mode':
        if (!['tcp', 'http', 'health'].includes(words[1])) errors.push(`${where} : unknown proxy mode '${words[1]}'.`);
        current.mode = words[1];
        break;
      default:
    }
  });
  const backends = new Set(sections.filter((s) => s.type === 'backend' || s.type === 'listen').map((s) => s.name));
  for (const s of sections) {
    if ((s.type === 'frontend' || s.type === 'listen') && s.binds.length === 0) {
      errors.push(`Proxy '${s.name}': no bind line (${file}:${s.line}).`);
    }
    for (const b of [s.defaultBackend, ...s.useBackends].filter(Boolean)) {
      if (!backends.has(b)) errors.push(`Proxy '${s.name}': unable to find required default_backend: '${b}'.`);
    }
  }
  if (!sections.some((s) => s.type === 'frontend' || s.type === 'listen')) errors.push(`${file}: no frontend or listen section: nothing to serve.`);
  return { sections, errors };
}

/** The backend servers a frontend/listen bound on `port` (and `host`, or *) sends traffic to. */
export function serversFor(config, host, port) {
  const byName = new Map(config.sections.filter((s) => s.type === 'backend' || s.type === 'listen').map((s) => [s.name, s]));
  const result = [];
  for (const s of config.sections) {
    if (s.type !== 'frontend' && s.type !== 'listen') continue;
    if (!s.binds.some((b) => b.port === port && (b.host === '*' || b.host === '0.0.0.0' || b.host === host))) continue;
    if (s.type === 'listen') result.push(...s.servers);
    for (const name of [s.defaultBackend, ...s.useBackends].filter(Boolean)) result.push(...(byName.get(name)?.servers ?? []));
  }
  return result;
}

/** Every port some frontend/listen binds. */
export function boundPorts(config) {
  return config.sections.flatMap((s) => s.binds.map((b) => b.port));
}

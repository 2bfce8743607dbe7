// rsyslog's configuration as far as the lab checks it: /etc/rsyslog.conf and every
// /etc/rsyslog.d/*.conf (what its `$IncludeConfig` names on ALT), balanced parentheses and
// quotes, and the forwarding actions — RainerScript `action(type="omfwd" target= port=
// protocol=)` and the legacy `*.* @host:port` (UDP) / `@@host:port` (TCP). What `rsyslogd -N1`
// and a service start refuse, with rsyslogd's wording.
// Models: rsyslog 8 (rsyslogd -N1, omfwd parameters).
import { readdirSync } from 'node:fs';
import { fileOf, readText } from './files.mjs';

const MAIN = '/etc/rsyslog.conf';
const DIR = '/etc/rsyslog.d';

/** The files rsyslog reads, main first, drop-ins in name order: [{path, text}]. */
export function rsyslogFiles() {
  const files = [];
  const main = readText(MAIN);
  if (main !== undefined) files.push({ path: MAIN, text: main });
  let names = [];
  try {
    names = readdirSync(fileOf(DIR)).filter((f) => f.endsWith('.conf')).sort();
  } catch {
    // no drop-in directory
  }
  for (const n of names) files.push({ path: `${DIR}/${n}`, text: readText(`${DIR}/${n}`) ?? '' });
  return files;
}

/** Parse every file: {errors: [...], forwards: [{protocol, host, port, file}]}. */
export function parseRsyslog(files = rsyslogFiles()) {
  const errors = [];
  const forwards = [];
  for (const { path, text } of files) {
    let depth = 0;
    let action = '';
    let startLine = 0;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/#.*$/, '');
      if ((line.match(/"/g) ?? []).length % 2 === 1) {
        errors.push(`error during parsing file ${path}, on or before line ${i + 1}: unterminated string`);
        continue;
      }
      const legacy = /^\s*\S+\s+(@@?)(\[[^\]]+\]|[^:\s]+)(?::(\d+))?\s*$/.exec(line);
      if (depth === 0 && legacy) {
        forwards.push({ protocol: legacy[1] === '@@' ? 'tcp' : 'udp', host: legacy[2].replace(/^\[|\]$/g, ''), port: Number(legacy[3] ?? 514), file: path });
        continue;
      }
      for (const ch of line) {
        if (ch === '(') {
          if (depth === 0) startLine = i + 1;
          depth++;
        } else if (ch === ')') {
          depth--;
          if (depth < 0) {
            errors.push(`error during parsing file ${path}, on or before line ${i + 1}: syntax error`);
            depth = 0;
          }
        }
      }
      if (depth > 0 || /action\s*\(/.test(line)) action += ` ${line}`;
      if (depth === 0 && action) {
        const params = Object.fromEntries([...action.matchAll(/([A-Za-z.]+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]));
        if (params.type === 'omfwd') {
          if (!params.target) errors.push(`omfwd: parameter 'target' required but not specified [${path}:${startLine}]`);
          else forwards.push({ protocol: (params.protocol ?? 'udp').toLowerCase(), host: params.target, port: Number(params.port ?? 514), file: path });
        } else if (!params.type && /action\s*\(/.test(action)) {
          errors.push(`parameter 'type' required but not specified [${path}:${startLine}]`);
        }
        action = '';
      }
    }
    if (depth > 0) errors.push(`error during parsing file ${path}, on or before line ${lines.length}: syntax error (unbalanced parentheses)`);
  }
  return { errors, forwards };
}

// A light reading of keepalived.conf: balanced braces, vrrp_script and vrrp_instance blocks with
// their state, priority, router id, VIPs and tracked scripts. The real `keepalived -t` is used
// for the real check elsewhere.
function tokenize(text) {
  const tokens = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/[#!].*$/, '');
    for (const m of line.matchAll(/\{|\}|"[^"]*"|[^\s{}]+/g)) tokens.push({ t: m[0], line: i + 1 });
  });
  return tokens;
}

/** Blocks as {name, args, line, children: [...], values: {key: [args]}}. */
function parseBlocks(tokens, errors) {
  const root = { name: '(top)', args: [], children: [], values: {}, lines: [] };
  const stack = [root];
  let pending = [];
  const flush = () => {
    if (!pending.length) return;
    const [key, ...args] = pending.map((p) => p.t);
    const top = stack[stack.length - 1];
    (top.values[key] ??= []).push(args);
    top.lines.push([key, ...args]);
    pending = [];
  };
  let lastLine = 0;
  for (const tok of tokens) {
    if (tok.line !== lastLine) {
      flush();
      lastLine = tok.line;
    }
    if (tok.t === '{') {
      const [name, ...args] = pending.map((p) => p.t);
      pending = [];
      const block = { name: name ?? '', args, line: tok.line, children: [], values: {}, lines: [] };
      stack[stack.length - 1].children.push(block);
      stack.push(block);
    } else if (tok.t === '}') {
      flush();
      if (stack.length === 1) errors.push(`line ${tok.line}: unexpected '}'`);
      else stack.pop();
    } else pending.push(tok);
  }
  flush();
  if (stack.length > 1) errors.push(`missing '}' for block '${stack[stack.length - 1].name}' opened at line ${stack[stack.length - 1].line}`);
  return root;
}

export function parseKeepalived(text) {
  const errors = [];
  const root = parseBlocks(tokenize(text), errors);
  const scripts = root.children.filter((b) => b.name === 'vrrp_script').map((b) => b.args[0]);
  const instances = root.children
    .filter((b) => b.name === 'vrrp_instance')
    .map((b) => {
      const one = (k) => b.values[k]?.[0]?.[0];
      const vipBlock = b.children.find((c) => c.name === 'virtual_ipaddress');
      const trackBlock = b.children.find((c) => c.name === 'track_script');
      const inst = {
        name: b.args[0],
        state: one('state'),
        priority: Number(one('priority') ?? 100),
        routerId: Number(one('virtual_router_id')),
        interface: one('interface'),
        vips: (vipBlock?.lines ?? []).map((l) => l[0].replace(/\/\d+$/, '')),
        vipPrefixes: (vipBlock?.lines ?? []).map((l) => (/\/(\d+)$/.test(l[0]) ? Number(l[0].split('/')[1]) : 32)),
        trackScripts: (trackBlock?.lines ?? []).map((l) => l[0]),
      };
      if (!inst.name) errors.push(`vrrp_instance at line ${b.line} has no name`);
      if (inst.state && !['MASTER', 'BACKUP'].includes(inst.state)) errors.push(`(${inst.name}) unknown state '${inst.state}'`);
      if (!Number.isInteger(inst.routerId) || inst.routerId < 1 || inst.routerId > 255) errors.push(`(${inst.name}) the virtual router id must be set and between 1 and 255`);
      if (!(inst.priority >= 1 && inst.priority <= 255)) errors.push(`(${inst.name}) priority must be between 1 and 255`);
      if (!inst.interface) errors.push(`(${inst.name}) no interface specified`);
      if (inst.vips.length === 0) errors.push(`(${inst.name}) no virtual_ipaddress`);
      for (const s of inst.trackScripts) if (!scripts.includes(s)) errors.push(`(${inst.name}) track_script ${s} not found, ignoring...`);
      return inst;
    });
  if (instances.length === 0) errors.push('no vrrp_instance defined');
  return { instances, scripts, errors };
}

/** keepalived's complaint for instances whose interface the node does not have (it then does
 * not run them: the VIP stays down), given the node's interface names. */
export function missingInterfaces(instances, interfaceNames) {
  return instances
    .filter((i) => i.interface && !interfaceNames.includes(i.interface))
    .map((i) => `(${i.name}) WARNING - interface ${i.interface} for vrrp_instance doesn't exist`);
}

// `keepalived`: the VIP on the LB hosts — keepalived.conf (VRRP VI_1: MASTER 101 on the first
// LB, BACKUP 100, 99, … after it; PASS auth from a secret) and check_apiserver.sh rendered,
// validated with `keepalived -t -f`, installed, service (re)started; then the VIP must accept
// connections on the API port. The interface and the VIP's prefix come from the host's facts
// (the interface holding its internal address, that subnet's prefix) unless the inventory
// names the interface; a name the host does not have is an error before anything changes.
import { IP_SCHEMA } from './lib/address-schemas.js';
import { command, quote } from '../engine/util/shell.js';
import { clusterVip, splitHostPort } from './lib/cluster-hosts.js';
import { installConfig, sameContent } from './lib/config-file.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { stepError } from './lib/fail.js';
import { poll } from './lib/poll.js';
import { authPassProblem, CHECK_SCRIPT_PATH, renderCheckScript, renderKeepalived } from './lib/render-keepalived.js';
import { inSubnet } from '../engine/facts/ip-address.js';
import { keepalivedInterface, keepalivedInterfaceExists, keepalivedVipSubnet } from './lib/preflight-cluster.js';
import { internalAddressHeld, packageInstalled } from './lib/preflight-host.js';
import { hostRemote, remoteFor, selfQuiet } from './lib/remote.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface KeepalivedWith {
  /** VRRP PASS password (at most 8 characters): `${{ secrets.VRRP_PASSWORD }}`. */
  password: string;
  /** Default: cluster.vip, else the host part of cluster.controlPlaneEndpoint. */
  vip?: string;
  /** The API port on the VIP (default: controlPlaneEndpoint's port, else 8443). */
  port?: number;
  /** Default: the host's vars.interface, else the interface holding its internal address (facts). */
  interface?: string;
  virtualRouterId?: number;
  /** The role naming the LB hosts, whose order sets MASTER/BACKUP (default lb). */
  lbRole?: string;
  state?: 'MASTER' | 'BACKUP';
  priority?: number;
  /** Unicast VRRP between the LB hosts' internal addresses (networks without multicast). */
  unicast?: boolean;
  /** Prove the VIP: `held` (the default: an LB host carries the VIP, seen with `ip -o addr`
   * there; the API behind it usually does not exist yet), `tcp` (the VIP accepts connections
   * on the port), `healthz` (the API answers /healthz through it) or `none`. */
  verify?: 'held' | 'tcp' | 'healthz' | 'none';
  verifyTimeout?: string;
  /** Pause between two VIP probes (default 1s). */
  verifyInterval?: string;
}

export const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';

export const keepalivedStep = defineStep<KeepalivedWith>({
  kind: 'keepalived',
  description: 'Render, validate (keepalived -t) and run VRRP for the API VIP on this LB host; prove the VIP answers.',
  schema: {
    type: 'object',
    required: ['password'],
    additionalProperties: false,
    properties: {
      password: { type: 'string', minLength: 1 },
      vip: IP_SCHEMA,
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      interface: { type: 'string', pattern: '^[A-Za-z0-9_.:@-]+$' },
      virtualRouterId: { type: 'integer', minimum: 1, maximum: 255 },
      lbRole: { type: 'string', minLength: 1 },
      state: { enum: ['MASTER', 'BACKUP'] },
      priority: { type: 'integer', minimum: 1, maximum: 254 },
      unicast: { type: 'boolean' },
      verify: { enum: ['held', 'tcp', 'healthz', 'none'] },
      verifyTimeout: DURATION_SCHEMA,
      verifyInterval: DURATION_SCHEMA,
    },
  },
  outputs: () => [
    { name: 'vip', secret: false },
    { name: 'state', secret: false },
    { name: 'priority', secret: false },
  ],
  title: (w) => `keepalived for the VIP${w.vip ? ` ${w.vip}` : ''}`,
  preflight: [
    packageInstalled('keepalived', 'VRRP for the VIP'),
    packageInstalled('curl', "keepalived's API check script calls it"),
    internalAddressHeld,
    keepalivedInterfaceExists,
    keepalivedVipSubnet,
    {
      id: 'vrrp-password',
      title: () => 'the VRRP password fits keepalived (at most 8 characters)',
      evaluate(_ctx, w) {
        if (typeof w.password !== 'string') return { ok: true, detail: 'given at run time' };
        const problem = authPassProblem(w.password);
        return problem ? { ok: false, reason: problem, fix: 'set a VRRP_PASSWORD of at most 8 printable characters' } : { ok: true, detail: `${w.password.length} characters` };
      },
    },
  ],
  async check(ctx, w) {
    ctx.secret(w.password);
    const r = rendered(ctx, w);
    const remote = selfQuiet(ctx);
    if (!(await sameContent(remote, KEEPALIVED_CONF, r.conf)) || !(await sameContent(remote, CHECK_SCRIPT_PATH, r.script))) {
      return { done: false };
    }
    const active = await remote.exec('systemctl is-active keepalived');
    return active.exitCode === 0 ? { done: true, reason: 'keepalived configured and active', outputs: r.outputs } : { done: false };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    ctx.secret(w.password);
    const r = rendered(ctx, w);
    const remote = hostRemote(ctx);
    await remote.run('mkdir -p /etc/keepalived', { what: 'creating /etc/keepalived' });
    const scriptChanged = await installConfig(remote, {
      path: CHECK_SCRIPT_PATH,
      content: r.script,
      mode: 0o755,
      validate: 'sh -n',
      what: 'sh -n',
    });
    const confChanged = await installConfig(remote, {
      path: KEEPALIVED_CONF,
      content: r.conf,
      mode: 0o600,
      validate: 'keepalived -t -f',
      what: 'keepalived -t',
    });
    await remote.run('systemctl enable keepalived', { what: 'systemctl enable keepalived' });
    const active = (await remote.exec('systemctl is-active keepalived')).exitCode === 0;
    const verb = scriptChanged || confChanged || !active ? 'restart' : 'start';
    await remote.run(command('systemctl', verb, 'keepalived'), { what: 'starting keepalived' });
    if ((await remote.exec('systemctl is-active keepalived')).exitCode !== 0) {
      throw stepError(ctx, 'keepalived is not active after its restart', true);
    }
    await proveVip(ctx, w, r.vip, r.port);
    return r.outputs;
  },
});

interface Rendered {
  conf: string;
  script: string;
  vip: string;
  port: number;
  outputs: Record<string, string>;
}

function rendered(ctx: StepContext, w: KeepalivedWith): Rendered {
  const vip = w.vip ?? clusterVip(ctx);
  if (!vip) throw stepError(ctx, 'no VIP: set cluster.vip (or cluster.controlPlaneEndpoint) in the inventory, or with.vip');
  const problem = authPassProblem(w.password);
  if (problem) throw stepError(ctx, `${problem}: set a shorter VRRP_PASSWORD`);
  const cpe = ctx.cluster.controlPlaneEndpoint;
  const port = w.port ?? (cpe ? splitHostPort(cpe).port : undefined) ?? 8443;
  const lbs = ctx.hostsWithRole(w.lbRole ?? 'lb');
  const index = lbs.findIndex((h) => h.name === ctx.host.name);
  if (index < 0 && (w.state === undefined || w.priority === undefined)) {
    throw stepError(ctx, `${ctx.host.name} has no role "${w.lbRole ?? 'lb'}": give with.state and with.priority, or the role`);
  }
  const { iface, vipPrefix } = vrrpInterface(ctx, w, vip);
  const peers = lbs.filter((h) => h.name !== ctx.host.name).map((h) => h.internalAddress);
  try {
    const conf = renderKeepalived({
      index: Math.max(index, 0),
      ...(w.state === undefined ? {} : { state: w.state }),
      ...(w.priority === undefined ? {} : { priority: w.priority }),
      interface: iface,
      ...(vipPrefix === undefined ? {} : { vipPrefix }),
      virtualRouterId: w.virtualRouterId ?? 51,
      authPass: w.password,
      vip,
      routerId: ctx.host.name.replace(/[^A-Za-z0-9_.:@-]/g, '_'),
      ...(w.unicast ? { unicastSourceIp: ctx.host.internalAddress, unicastPeers: peers } : {}),
    });
    const role = /state (MASTER|BACKUP)/.exec(conf)?.[1] ?? '';
    const priority = /priority ([0-9]+)/.exec(conf)?.[1] ?? '';
    return { conf, script: renderCheckScript({ vip, port }), vip, port, outputs: { vip, state: role, priority } };
  } catch (err) {
    throw stepError(ctx, (err as Error).message);
  }
}

/** The interface for VRRP and the VIP's prefix on it: from the inventory when it names one,
 * else from the facts; the facts must agree with an explicit name. */
function vrrpInterface(ctx: StepContext, w: KeepalivedWith, vip: string): { iface: string; vipPrefix?: number } {
  const chosen = keepalivedInterface(ctx, w.interface);
  const facts = ctx.facts;
  if (!chosen.name) {
    throw stepError(ctx, `cannot tell which interface holds ${ctx.host.internalAddress} (no facts say so): set vars.interface for ${ctx.host.name}`);
  }
  if (!facts) return { iface: chosen.name };
  const iface = facts.interfaces[chosen.name];
  if (!iface) {
    throw stepError(ctx, `interface ${chosen.name} does not exist on ${ctx.host.name} (it has ${Object.keys(facts.interfaces).join(', ')})`);
  }
  const holder = iface.addresses.find((a) => inSubnet(vip, a.subnet));
  if (!holder) throw stepError(ctx, `the VIP ${vip} is outside every subnet of ${iface.name} on ${ctx.host.name}`);
  return { iface: iface.name, vipPrefix: holder.prefix };
}

/** Curl exit codes that mean nothing accepted the connection: 7 refused/unreachable, 28 timeout. */
const NOT_ANSWERING = new Set([7, 28]);

async function proveVip(ctx: StepContext, w: KeepalivedWith, vip: string, port: number): Promise<void> {
  const mode = w.verify ?? 'held';
  if (mode === 'none') return;
  const probe = mode === 'held' ? await heldProbe(ctx, w, vip) : curlProbe(ctx, mode, vip, port);
  let last = '';
  const ok = await poll(
    async () => {
      const r = await probe();
      last = r.detail;
      return r.ok ? true : undefined;
    },
    { timeoutMs: parseDuration(w.verifyTimeout, '60s'), intervalMs: parseDuration(w.verifyInterval, '1s'), signal: ctx.signal },
  );
  const what = { held: 'is not carried by any LB host', tcp: 'does not accept connections', healthz: 'does not answer /healthz' }[mode];
  if (!ok) throw stepError(ctx, `the VIP ${vip}:${port} ${what} (${last})`, true);
  ctx.log(`the VIP ${vip}${mode === 'held' ? ` is up (${last})` : `:${port} ${mode === 'healthz' ? 'answers /healthz' : 'accepts connections'}`}`);
}

type Probe = () => Promise<{ ok: boolean; detail: string }>;

/** Which LB hosts carry the VIP (`ip -o addr show`); at least one must. */
async function heldProbe(ctx: StepContext, w: KeepalivedWith, vip: string): Promise<Probe> {
  const lbs = ctx.hostsWithRole(w.lbRole ?? 'lb').map((h) => h.name);
  const names = lbs.includes(ctx.host.name) ? lbs : [ctx.host.name, ...lbs];
  const cmd = `ip -o addr show | grep -qF ${quote(` ${vip}/`)}`;
  return async () => {
    const holders: string[] = [];
    for (const name of names) {
      const r = await (await remoteFor(ctx, name)).exec(cmd);
      if (r.exitCode === 0) holders.push(name);
    }
    return { ok: holders.length > 0, detail: holders.length > 0 ? `held by ${holders.join(', ')}` : `no holder among ${names.join(', ')}` };
  };
}

function curlProbe(ctx: StepContext, mode: 'tcp' | 'healthz', vip: string, port: number): Probe {
  const host = vip.includes(':') ? `[${vip}]` : vip;
  const url = `https://${host}:${port}/healthz`;
  const remote = selfQuiet(ctx);
  return async () => {
    const r = await remote.exec(`curl -sk --max-time 3 ${mode === 'healthz' ? '-f ' : ''}-o /dev/null ${quote(url)}`);
    const ok = mode === 'healthz' ? r.exitCode === 0 : r.exitCode !== undefined && !NOT_ANSWERING.has(r.exitCode);
    return { ok, detail: `curl exit ${r.exitCode}` };
  };
}

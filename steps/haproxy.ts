// `haproxy`: the API load balancer on an LB host — /etc/haproxy/haproxy.cfg rendered from the
// inventory (frontend *:8443, one health-checked server per control plane), validated with
// `haproxy -c -f`, installed, and the service enabled and (re)started when it changed.
import { ADDRESS_SCHEMA } from './lib/address-schemas.js';
import { command } from '../engine/util/shell.js';
import { controlPlaneHosts } from './lib/cluster-hosts.js';
import { installConfig, sameContent } from './lib/config-file.js';
import { stepError } from './lib/fail.js';
import { renderHaproxy, type BackendServer } from './lib/render-haproxy.js';
import { internalAddressHeld, packageInstalled, portsFree } from './lib/preflight-host.js';
import { hostRemote, selfQuiet } from './lib/remote.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface HaproxyWith {
  /** Backends (default: every master/control-plane host's internalAddress:6443). */
  servers?: BackendServer[];
  /** Frontend port (default 8443: rootlesskit holds 6443 on control planes). */
  port?: number;
  bindAddress?: string;
}

export const HAPROXY_CFG = '/etc/haproxy/haproxy.cfg';

export const haproxyStep = defineStep<HaproxyWith>({
  kind: 'haproxy',
  description: 'Render, validate (haproxy -c) and run the API load balancer on this host.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      servers: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['name', 'address'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z0-9_.:-]+$' },
            address: ADDRESS_SCHEMA,
            port: { type: 'integer', minimum: 1, maximum: 65535 },
          },
        },
      },
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      bindAddress: { anyOf: [{ const: '*' }, ADDRESS_SCHEMA], description: "'*' (every address) or an IPv4 or IPv6 address or a host name" },
    },
  },
  outputs: () => [{ name: 'servers', secret: false }],
  title: () => 'haproxy for the Kubernetes API',
  preflight: [
    packageInstalled('haproxy', 'the API load balancer'),
    internalAddressHeld,
    {
      id: 'haproxy-port-free',
      title: (w) => `port ${w.port ?? 8443} free for haproxy`,
      evaluate: (ctx, w) =>
        portsFree({ id: 'haproxy-port-free', title: '', tcp: [w.port ?? 8443], allowed: ['haproxy'], why: 'haproxy must bind its frontend there' }).evaluate(ctx, w),
    },
  ],
  async check(ctx, w) {
    const cfg = render(ctx, w);
    const remote = selfQuiet(ctx);
    if (!(await sameContent(remote, HAPROXY_CFG, cfg))) return { done: false };
    const active = await remote.exec('systemctl is-active haproxy');
    return active.exitCode === 0
      ? { done: true, reason: `${HAPROXY_CFG} up to date and haproxy active`, outputs: { servers: serverList(ctx, w) } }
      : { done: false };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    const cfg = render(ctx, w);
    const remote = hostRemote(ctx);
    const changed = await installConfig(remote, {
      path: HAPROXY_CFG,
      content: cfg,
      mode: 0o644,
      validate: 'haproxy -c -f',
      what: 'haproxy -c',
    });
    await remote.run('systemctl enable haproxy', { what: 'systemctl enable haproxy' });
    const active = (await remote.exec('systemctl is-active haproxy')).exitCode === 0;
    await remote.run(command('systemctl', changed || !active ? 'restart' : 'start', 'haproxy'), { what: 'starting haproxy' });
    if ((await remote.exec('systemctl is-active haproxy')).exitCode !== 0) {
      throw stepError(ctx, 'haproxy is not active after its restart', true);
    }
    ctx.log(`haproxy ${changed ? 'configured and restarted' : 'already configured, running'}: ${serverList(ctx, w)}`);
    return { servers: serverList(ctx, w) };
  },
});

function servers(ctx: StepContext, w: HaproxyWith): BackendServer[] {
  if (w.servers) return w.servers;
  const cps = controlPlaneHosts(ctx);
  if (cps.length === 0) throw stepError(ctx, 'no host has role master or control-plane: nothing for haproxy to balance');
  return cps.map((h) => ({ name: h.name, address: h.internalAddress }));
}

function render(ctx: StepContext, w: HaproxyWith): string {
  try {
    return renderHaproxy({
      servers: servers(ctx, w),
      ...(w.port === undefined ? {} : { bindPort: w.port }),
      ...(w.bindAddress === undefined ? {} : { bindAddress: w.bindAddress }),
    });
  } catch (err) {
    throw stepError(ctx, (err as Error).message);
  }
}

function serverList(ctx: StepContext, w: HaproxyWith): string {
  return servers(ctx, w)
    .map((s) => `${s.name}=${s.address}:${s.port ?? 6443}`)
    .join(',');
}

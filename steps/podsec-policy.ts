// `podsec-policy`: `podsec-create-policy <registry-IP>` on any node — the master first, then every
// node before it joins, as podsec's guide does it (podsec/bin/podsec-create-policy, alt-cloud/
// podsec commit 5014172): groups podman and podman_dev, the userns sysctl, `control
// newuidmap/newgidmap podmanonly`, the /etc/hosts names, and registry.local marked insecure in
// registries.conf (the registry serves plain HTTP: without it no image pulls). On the master it
// writes a reject-by-default policy.json; elsewhere it fetches the master's policy and keys
// (copy-policy then makes them byte-identical). It is not re-runnable (exits 1 when /etc/hosts
// already names registry.local for that IP), so the check decides and a half-done run of ours is
// cleaned up before the retry.
import { quote } from '../engine/util/shell.js';
import { masterHost } from './lib/cluster-hosts.js';
import { stepError } from './lib/fail.js';
import { HOSTS_NAME_REGISTRY, REMOVE_REGISTRY_LINES } from './lib/hosts-file.js';
import { hostRemote, selfQuiet } from './lib/remote.js';
import { masterAddress, registryRoute } from './lib/preflight-cluster.js';
import { packageInstalled } from './lib/preflight-host.js';
import { MARKER_DIR } from './lib/u7s.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface PodsecPolicyWith {
  /** The registry/sigstore IP (default: the master's internalAddress). */
  registryIp?: string;
}

const POLICY = '/etc/containers/policy.json';
const REGISTRIES_CONF = '/etc/containers/registries.conf';
const STARTED = '/var/lib/podsec-play/podsec-policy.started';
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$/;

const STATE_COMMAND = [
  `${HOSTS_NAME_REGISTRY} && echo hosts-named`,
  `test -e ${POLICY} && echo policy`,
  `grep -Eqs '^[[:space:]]*location[[:space:]]*=[[:space:]]*"registry[.]local"' ${REGISTRIES_CONF} && echo insecure`,
  `test -e ${STARTED} && echo started`,
  'true',
].join('; ');

export const podsecPolicyStep = defineStep<PodsecPolicyWith>({
  kind: 'podsec-policy',
  description: 'Run podsec-create-policy <registry-IP> on this node (once: it refuses to run twice).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { registryIp: { type: 'string', pattern: IPV4.source } },
  },
  title: (w) => `podsec-create-policy ${w.registryIp ?? '(master IP)'}`,
  preflight: [
    packageInstalled('podsec', 'podsec-create-policy'),
    {
      id: 'registry-ip',
      title: () => 'the registry address is one IPv4 address, not 127.0.0.1',
      evaluate(ctx, w) {
        const ip = w.registryIp ?? masterAddress(ctx);
        if (ip === undefined) return { ok: false, reason: 'the inventory has no master (the registry host)', fix: 'give one host the role master' };
        if (!IPV4.test(ip)) return { ok: false, reason: `podsec-create-policy needs one IPv4 address, not "${ip}"`, fix: "set the master's internalAddress (or with.registryIp) to its IPv4 cluster address" };
        if (ip === '127.0.0.1') return { ok: false, reason: 'podsec-create-policy refuses 127.0.0.1', fix: "set the master's internalAddress (or with.registryIp) to its cluster IP" };
        return { ok: true, detail: ip };
      },
    },
    registryRoute((ctx, w) => w.registryIp ?? masterAddress(ctx)),
  ],
  async check(ctx) {
    return done(ctx, await state(ctx)) ? { done: true, reason: `/etc/hosts names registry.local, ${REGISTRIES_CONF} marks it insecure${isMaster(ctx) ? `, ${POLICY} exists` : ''}` } : { done: false };
  },
  async run(ctx, w) {
    const ip = w.registryIp ?? masterHost(ctx).internalAddress;
    if (!IPV4.test(ip)) throw stepError(ctx, `podsec-create-policy needs one IPv4 address, not "${ip}"`);
    if (ip === '127.0.0.1') {
      throw stepError(ctx, 'podsec-create-policy refuses 127.0.0.1: set the master\'s internalAddress (or with.registryIp) to its cluster IP');
    }
    const remote = hostRemote(ctx);
    const s = await state(ctx);
    if (done(ctx, s)) return;
    if (s.has('hosts-named')) {
      if (!s.has('started')) {
        const missing = [...(s.has('insecure') ? [] : [`registry.local marked insecure in ${REGISTRIES_CONF}`]), ...(s.has('policy') || !isMaster(ctx) ? [] : [POLICY])];
        throw stepError(
          ctx,
          `/etc/hosts already names registry.local but ${missing.join(' and ')} is missing, and podsec-play did not start ` +
            'podsec-create-policy here: it would exit 1. Remove the registry.local line from /etc/hosts (or run reset.yaml) and run again.',
        );
      }
      ctx.log('an earlier podsec-create-policy stopped half-way: removing its /etc/hosts line before running it again');
      await remote.run(REMOVE_REGISTRY_LINES, { what: 'removing the registry lines from /etc/hosts' });
    }
    await remote.run(`mkdir -p ${MARKER_DIR} && date -u +%Y-%m-%dT%H:%M:%SZ > ${STARTED}`, { what: 'writing the start marker' });
    await remote.run(`podsec-create-policy ${quote(ip)}`, { what: 'podsec-create-policy' });
    const after = await state(ctx);
    if (!done(ctx, after)) {
      const missing = [
        ...(after.has('hosts-named') ? [] : ['/etc/hosts does not name registry.local']),
        ...(after.has('insecure') ? [] : [`${REGISTRIES_CONF} does not mark registry.local insecure`]),
        ...(after.has('policy') || !isMaster(ctx) ? [] : [`${POLICY} is missing`]),
      ];
      throw stepError(ctx, `podsec-create-policy succeeded but ${missing.join(', ')}`);
    }
    await remote.run(`rm -f ${STARTED}`, { what: 'removing the start marker' });
  },
});

/** The registry host itself (the master) must end with a policy.json; other nodes get the
 * master's from copy-policy (their own fetch from sigstore.local may come back empty). */
function isMaster(ctx: StepContext): boolean {
  return masterHost(ctx).name === ctx.host.name;
}

function done(ctx: StepContext, s: Set<string>): boolean {
  return s.has('hosts-named') && s.has('insecure') && (s.has('policy') || !isMaster(ctx));
}

async function state(ctx: StepContext): Promise<Set<string>> {
  const r = await selfQuiet(ctx).run(STATE_COMMAND, { what: 'reading the policy state' });
  return new Set(r.stdout.split(/\s+/).filter(Boolean));
}

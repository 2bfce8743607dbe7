// `podsec-policy`: the master's `podsec-create-policy <registry-IP>` (groups, /etc/hosts names,
// reject-by-default policy.json, registries.d lookaside). It is not re-runnable (exits 1 when
// /etc/hosts already names registry.local), so the check decides and a half-done run of ours
// is cleaned up before the retry.
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
const STARTED = '/var/lib/podsec-play/podsec-policy.started';
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$/;

const STATE_COMMAND = [
  `${HOSTS_NAME_REGISTRY} && echo hosts-named`,
  `test -e ${POLICY} && echo policy`,
  `test -e ${STARTED} && echo started`,
  'true',
].join('; ');

export const podsecPolicyStep = defineStep<PodsecPolicyWith>({
  kind: 'podsec-policy',
  description: 'Run podsec-create-policy <registry-IP> on the master (once: it refuses to run twice).',
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
    const s = await state(ctx);
    return s.has('hosts-named') && s.has('policy')
      ? { done: true, reason: `/etc/hosts names registry.local and ${POLICY} exists` }
      : { done: false };
  },
  async run(ctx, w) {
    const ip = w.registryIp ?? masterHost(ctx).internalAddress;
    if (!IPV4.test(ip)) throw stepError(ctx, `podsec-create-policy needs one IPv4 address, not "${ip}"`);
    if (ip === '127.0.0.1') {
      throw stepError(ctx, 'podsec-create-policy refuses 127.0.0.1: set the master\'s internalAddress (or with.registryIp) to its cluster IP');
    }
    const remote = hostRemote(ctx);
    const s = await state(ctx);
    if (s.has('hosts-named') && s.has('policy')) return;
    if (s.has('hosts-named')) {
      if (!s.has('started')) {
        throw stepError(
          ctx,
          `/etc/hosts already names registry.local but ${POLICY} is missing, and podsec-play did not start ` +
            'podsec-create-policy here: it would exit 1. Remove the registry.local line from /etc/hosts (or run reset.yaml) and run again.',
        );
      }
      ctx.log('an earlier podsec-create-policy stopped half-way: removing its /etc/hosts line before running it again');
      await remote.run(REMOVE_REGISTRY_LINES, { what: 'removing the registry lines from /etc/hosts' });
    }
    await remote.run(`mkdir -p ${MARKER_DIR} && date -u +%Y-%m-%dT%H:%M:%SZ > ${STARTED}`, { what: 'writing the start marker' });
    await remote.run(`podsec-create-policy ${quote(ip)}`, { what: 'podsec-create-policy' });
    const after = await state(ctx);
    if (!after.has('hosts-named') || !after.has('policy')) {
      throw stepError(ctx, `podsec-create-policy succeeded but ${after.has('policy') ? '/etc/hosts does not name registry.local' : `${POLICY} is missing`}`);
    }
    await remote.run(`rm -f ${STARTED}`, { what: 'removing the start marker' });
  },
});

async function state(ctx: StepContext): Promise<Set<string>> {
  const r = await selfQuiet(ctx).run(STATE_COMMAND, { what: 'reading the policy state' });
  return new Set(r.stdout.split(/\s+/).filter(Boolean));
}

// `public-registry`: the first step of the "with Internet access" mode on every node — podsec's
// kubeadm wrapper will pull every Kubernetes image from a public registry (registry.altlinux.org,
// or registry.k8s.io with docker.io when U7S_REGISTRY is empty), so each node must reach it over
// HTTPS, and /etc/hosts must not name registry.local (the wrapper would then ignore U7S_REGISTRY
// and pull from a local registry this mode never sets up). Read-only: its preflight checks and
// its run ask the same questions, so a resumed run asks them again.
import type { PreflightContext, StepContext } from '../engine/step-kind.js';
import { defineStep } from '../engine/step-kind.js';
import { stepError } from './lib/fail.js';
import type { AnyCheck } from './lib/preflight-host.js';
import {
  describeSetting,
  NAMES_REGISTRY_LOCAL,
  probeCommand,
  probeProblem,
  publicRegistryHosts,
  registrySetting,
  settingProblem,
} from './lib/public-registry.js';
import { selfQuiet } from './lib/remote.js';

export interface PublicRegistryWith {
  /** U7S_REGISTRY for this mode: registry.altlinux.org (default) or '' for registry.k8s.io.
   * Default: cluster.registry. */
  registry?: string;
}

type Probe = (command: string) => Promise<{ exitCode: number | undefined; stdout: string }>;

const SETTING_FIX = "set cluster.registry to registry.altlinux.org (or to '' for registry.k8s.io), or build the cluster in the secure mode (playbooks/cluster.yaml, ha-cluster.yaml)";
const REACH_FIX = (host: string) =>
  `open HTTPS (port 443) from this host to ${host}: DNS, routes, firewall, any proxy (https_proxy); or build the cluster in the secure mode (playbooks/cluster.yaml, ha-cluster.yaml) from a local registry`;

const settingCheck: AnyCheck = {
  id: 'public-registry-setting',
  title: () => 'the registry setting is a public registry',
  evaluate(ctx: PreflightContext, w: PublicRegistryWith) {
    const setting = registrySetting(ctx.cluster, w.registry);
    const problem = settingProblem(setting);
    return problem ? { ok: false, reason: problem, fix: SETTING_FIX } : { ok: true, detail: describeSetting(setting) };
  },
};

const reachableCheck: AnyCheck = {
  id: 'public-registry-reachable',
  title: () => 'the public registry answers from this host',
  async evaluate(ctx: PreflightContext, w: PublicRegistryWith) {
    const setting = registrySetting(ctx.cluster, w.registry);
    const bad = await unreachable((c) => ctx.probe(c, { timeoutMs: 20_000 }), setting);
    if (bad.length === 0) return { ok: true, detail: `${publicRegistryHosts(setting).join(', ')} answer over HTTPS` };
    return {
      ok: false,
      reason: `${bad.map((b) => `${b.host} does not answer from ${ctx.host.name} (${b.why})`).join('; ')}: podsec's kubeadm pulls every Kubernetes image from it in this mode`,
      fix: REACH_FIX(bad.map((b) => b.host).join(', ')),
    };
  },
};

const noLocalNameCheck: AnyCheck = {
  id: 'registry-local-unnamed',
  title: () => '/etc/hosts does not name registry.local',
  async evaluate(ctx: PreflightContext) {
    const r = await ctx.probe(NAMES_REGISTRY_LOCAL);
    if (r.exitCode !== 0) return { ok: true, detail: 'no registry.local line' };
    return {
      ok: false,
      reason: `/etc/hosts names registry.local (${r.stdout.trim()}): podsec's kubeadm would then pull from that local registry and ignore U7S_REGISTRY`,
      fix: 'remove the registry.local line from /etc/hosts (left by podsec-create-policy on a node of a secure-mode cluster), or build this cluster in the secure mode',
    };
  },
};

export const publicRegistryStep = defineStep<PublicRegistryWith>({
  kind: 'public-registry',
  description: "Check that this node will pull Kubernetes images from a public registry and reaches it (podsec's Internet mode).",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { registry: { type: 'string', pattern: '^[A-Za-z0-9.:/-]*$' } },
  },
  title: () => 'the public registry answers',
  preflight: [settingCheck, reachableCheck, noLocalNameCheck],
  async run(ctx: StepContext, w) {
    const setting = registrySetting(ctx.cluster, w.registry);
    const problem = settingProblem(setting);
    if (problem) throw stepError(ctx, `${problem}; ${SETTING_FIX}`);
    const remote = selfQuiet(ctx);
    const named = await remote.exec(NAMES_REGISTRY_LOCAL);
    if (named.exitCode === 0) throw stepError(ctx, `/etc/hosts names registry.local (${named.stdout.trim()}): podsec's kubeadm would pull from it and ignore U7S_REGISTRY; remove that line`);
    const bad = await unreachable((c) => remote.exec(c, { timeoutMs: 20_000 }), setting);
    if (bad.length > 0) {
      throw stepError(ctx, `${bad.map((b) => `${b.host} does not answer (${b.why})`).join('; ')}: podsec's kubeadm cannot pull the Kubernetes images; ${REACH_FIX(bad.map((b) => b.host).join(', '))}`, true);
    }
    ctx.log(`${describeSetting(setting)}; ${publicRegistryHosts(setting).join(', ')} answer over HTTPS`);
  },
});

async function unreachable(probe: Probe, setting: string | undefined): Promise<{ host: string; why: string }[]> {
  const bad: { host: string; why: string }[] = [];
  for (const host of publicRegistryHosts(setting)) {
    const why = probeProblem(await probe(probeCommand(host)));
    if (why !== undefined) bad.push({ host, why });
  }
  return bad;
}

// The one platform name (U7S_PLATFORM) a cluster's podsec programs must agree on: the image
// archive is signed and pushed under registry.local/<platform>, and the kubeadm wrapper pulls
// from there on init and on every join. It is the inventory's cluster.platform, else what
// podsec-get-platform would say on the master (podsec/bin/podsec-get-platform, alt-cloud/podsec
// commit 5014172): ALT_BRANCH_ID (c10f… → c10f) or CPE_NAME (spserver → c10f, sisyphus, else
// p<major>) from /etc/os-release — the master's facts when the run gathered them, else its
// os-release read now. The older k8s-p10 style is refused: podsec-load-sign-oci no longer
// accepts it (2025-08-31).
import { platformOf } from '../../engine/facts/platform.js';
import type { StepContext } from '../../engine/step-kind.js';
import { masterHost } from './cluster-hosts.js';
import { stepError } from './fail.js';
import { readIfExists, remoteFor } from './remote.js';

export const PLATFORM_PATTERN = '^(p[0-9]+|c[0-9]+f[0-9]*|sisyphus|[a-z][a-z0-9_-]*)$';

/** podsec-get-platform's reading of an os-release file (engine/facts/platform.ts); undefined
 * when it names nothing. */
export function platformFromOsRelease(text: string): string | undefined {
  const vars = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) vars.set(m[1], m[2].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'));
  }
  const id = vars.get('ID');
  const branch = vars.get('ALT_BRANCH_ID');
  const cpe = vars.get('CPE_NAME');
  return platformOf({ ...(id ? { id } : {}), ...(branch ? { branch } : {}), ...(cpe ? { cpe } : {}) });
}

/** Refuses names podsec no longer takes; returns the name. */
export function checkPlatform(ctx: Pick<StepContext, 'host'>, platform: string, source: string): string {
  if (platform.startsWith('k8s-')) {
    throw stepError(
      ctx,
      `${source} is "${platform}": since 2025-08-31 podsec-load-sign-oci refuses k8s-… platform names (INSTALL.md still shows them). ` +
        `Name the ALT branch instead: ${platform.replace(/^k8s-/, '').replace(/^c10f\d*$/, 'c10f')} (images under registry.local/<branch>).`,
    );
  }
  if (!new RegExp(PLATFORM_PATTERN).test(platform)) throw stepError(ctx, `${source} is "${platform}", which is not a platform name (p10, c10f, sisyphus)`);
  return platform;
}

/** The cluster's platform: inventory, else the master's /etc/os-release. With reachMaster false
 * (a sealed cluster: no SSH to the master) and no facts of the master, the host's own
 * /etc/os-release — what the wrapper's podsec-get-platform would read there without U7S_PLATFORM. */
export async function clusterPlatform(ctx: StepContext, override?: string, o: { reachMaster?: boolean } = {}): Promise<string> {
  if (override !== undefined && override.length > 0) return checkPlatform(ctx, override, 'with.platform');
  const given = ctx.cluster.platform;
  if (typeof given === 'string' && given.length > 0) return checkPlatform(ctx, given, 'cluster.platform');
  const master = masterHost(ctx);
  const fromFacts = ctx.factsOf(master.name)?.platform;
  if (fromFacts) return checkPlatform(ctx, fromFacts, `${master.name}'s /etc/os-release`);
  const from = o.reachMaster === false ? ctx.host.name : master.name;
  const text = (await readIfExists(await remoteFor(ctx, from), '/etc/os-release'))?.toString('utf8') ?? '';
  const found = platformFromOsRelease(text);
  if (!found) {
    throw stepError(ctx, `cannot tell the platform: cluster.platform is not set and ${from}'s /etc/os-release has neither ALT_BRANCH_ID nor CPE_NAME; set cluster.platform (p10, c10f, sisyphus)`);
  }
  return checkPlatform(ctx, found, `${from}'s /etc/os-release`);
}

// The podsec platform (U7S_PLATFORM) an os-release implies, exactly as podsec's own
// getPlatform (podsec/bin/podsec-get-platform, alt-cloud/podsec commit 5014172) derives it when
// U7S_PLATFORM is unset: ALT_BRANCH_ID when set (any `c10f…` branch is `c10f`), else from
// CPE_NAME `cpe:/o:alt:PRODUCT:VERSION`: spserver → c10f, sisyphus → sisyphus, anything else
// → p<major version>.
import type { HostFacts } from './types.js';

export function platformOf(os: HostFacts['os']): string | undefined {
  if (os.branch) return os.branch.slice(0, 4) === 'c10f' ? 'c10f' : os.branch;
  if (os.id !== undefined && os.id !== 'altlinux') return undefined; // not ALT: podsec has no platform for it
  if (!os.cpe) return undefined;
  // `set -- $CPE_NAME` with IFS=:, then $4 and $5: fields 4 and 5, counted from 1.
  const fields = os.cpe.split(':');
  const product = fields[3] ?? '';
  const major = (fields[4] ?? '').split('.')[0] ?? '';
  if (product === 'spserver') return 'c10f';
  if (product === 'sisyphus') return 'sisyphus';
  return major ? `p${major}` : undefined;
}

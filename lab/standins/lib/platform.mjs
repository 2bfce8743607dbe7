// podsec-get-platform's getPlatform (podsec/bin/podsec-get-platform, alt-cloud/podsec commit
// 5014172): U7S_PLATFORM when set (with a notice on stderr), else the ALT branch from the node's
// /etc/os-release: ALT_BRANCH_ID (c10f… → c10f), or from CPE_NAME (spserver → c10f, sisyphus,
// else p<major version>). Since 2025-05-28 images live under these names (p10/…, c10f/…).
import { readText } from './files.mjs';
import { t } from './i18n.mjs';

function osRelease() {
  const vars = {};
  for (const line of (readText('/etc/os-release') ?? '').split('\n')) {
    const m = line.match(/^([A-Z_]+)=(.*)$/);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return vars;
}

/** The platform podsec's scripts use, and the notice they print when it comes from U7S_PLATFORM. */
export function getPlatform(env = process.env) {
  if (env.U7S_PLATFORM) return { platform: env.U7S_PLATFORM, notice: `${t('The platform')} ${env.U7S_PLATFORM} ${t('is predefined by the variable U7S_PLATFORM. This value is taken.')}\n` };
  const os = osRelease();
  if (os.ALT_BRANCH_ID) return { platform: os.ALT_BRANCH_ID.startsWith('c10f') ? 'c10f' : os.ALT_BRANCH_ID, notice: '' };
  const [, , , platform, version = ''] = (os.CPE_NAME ?? '').split(':');
  const major = version.split('.')[0];
  if (platform === 'spserver') return { platform: 'c10f', notice: '' };
  if (platform === 'sisyphus') return { platform: 'sisyphus', notice: '' };
  return { platform: `p${major}`, notice: '' };
}

/** setRegistryName's path suffix: k8s-c10f… images live under c10f. */
export function registryPath(platform) {
  if (!platform) return '';
  return platform.startsWith('k8s-c10f') ? 'c10f' : platform;
}

// isSigstoreServer of podsec/bin/podsec-functions (alt-cloud/podsec commit 5014172): is this node
// the registry and signature server, i.e. does /etc/hosts bind registry.local or sigstore.local
// to one of its own addresses? A message saying why not, or undefined.
import { nodeInfo } from './env.mjs';
import { hostsEntries } from './hosts.mjs';
import { t } from './i18n.mjs';

export function notSigstoreServer() {
  const line = hostsEntries().find((e) => e.names.includes('registry.local') || e.names.includes('sigstore.local'));
  if (!line) return `${t('Domains registry.local sigstore.local are not specified in the /etc/hosts file.')}\n${t('Run the podsec-create-policy script')}.`;
  if (line.ip !== nodeInfo()?.internalAddress) return `${t('Domains registry.local sigstore.local in the file /etc/hosts are bound to a remote server with ip')} ${line.ip}`;
  return undefined;
}

// What podsec's kubeadm wrapper does to a control plane's kube-apiserver for API auditing
// (tuneAudit in podsec-k8s/bin/podsec-u7s-functions, alt-cloud/podsec commit 5014172): it
// copies /etc/podsec/u7s/audit/policy.yaml into /etc/kubernetes/audit/ and adds to
// /etc/kubernetes/manifests/kube-apiserver.yaml the flags --audit-policy-file=…/policy.yaml,
// --audit-log-path=…/audit.log, --audit-log-maxsize=500, --audit-log-maxbackup=3, a volume
// `audit` (hostPath /etc/kubernetes/audit, DirectoryOrCreate) and its mount. The log is what
// podsec-inotify-check-kubeapi follows (AUDITFILE=/etc/kubernetes/audit/audit.log). Pure: the
// step reads the files, these functions say what is missing.
import { parse } from 'yaml';

export const AUDIT_DIR = '/etc/kubernetes/audit';
export const AUDIT_POLICY = '/etc/kubernetes/audit/policy.yaml';
export const AUDIT_LOG = '/etc/kubernetes/audit/audit.log';
export const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

export interface AuditSettings {
  policyFile?: string;
  logPath?: string;
  /** hostPath of the volume mounted at the audit directory (the host path the pod sees it as). */
  mounted: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The audit flags and mount a kube-apiserver static pod manifest has; throws on YAML that is
 * not a Pod manifest. */
export function readAuditSettings(manifest: string): AuditSettings {
  const doc: unknown = parse(manifest);
  if (!isObj(doc) || !isObj(doc['spec'])) throw new Error('not a Pod manifest (no spec)');
  const spec = doc['spec'];
  const containers = list(spec['containers']).filter(isObj);
  const api = containers.find((c) => c['name'] === 'kube-apiserver') ?? containers[0];
  if (!api) throw new Error('no containers in spec');
  const args = [...list(api['command']), ...list(api['args'])].filter((a): a is string => typeof a === 'string');
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const volumes = list(spec['volumes']).filter(isObj);
  const auditVolumes = volumes.filter((v) => isObj(v['hostPath']) && (v['hostPath'] as Obj)['path'] === AUDIT_DIR).map((v) => v['name']);
  const mounted = list(api['volumeMounts'])
    .filter(isObj)
    .some((m) => m['mountPath'] === AUDIT_DIR && auditVolumes.includes(m['name']));
  const policyFile = flag('audit-policy-file');
  const logPath = flag('audit-log-path');
  return { ...(policyFile ? { policyFile } : {}), ...(logPath ? { logPath } : {}), mounted };
}

/** What is missing for check-kubeapi to have an audit log to follow ([] when all is in place). */
export function auditProblems(s: AuditSettings): string[] {
  const problems: string[] = [];
  if (s.policyFile !== AUDIT_POLICY) problems.push(s.policyFile ? `--audit-policy-file is ${s.policyFile}, not ${AUDIT_POLICY}` : 'no --audit-policy-file flag');
  if (s.logPath !== AUDIT_LOG) problems.push(s.logPath ? `--audit-log-path is ${s.logPath}, not ${AUDIT_LOG} (the file podsec-inotify-check-kubeapi follows)` : 'no --audit-log-path flag');
  if (!s.mounted) problems.push(`no volume mounting ${AUDIT_DIR} into the kube-apiserver pod`);
  return problems;
}

/** Why an audit policy file is not one kube-apiserver would load (undefined: it is). */
export function policyProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return `it is not YAML (${(err as Error).message.split('\n')[0]})`;
  }
  if (!isObj(doc)) return 'it is empty';
  if (doc['kind'] !== 'Policy' || typeof doc['apiVersion'] !== 'string' || !doc['apiVersion'].startsWith('audit.k8s.io/')) {
    return `it is not an audit policy (kind ${String(doc['kind'])}, apiVersion ${String(doc['apiVersion'])})`;
  }
  if (list(doc['rules']).length === 0) return 'it has no rules';
  return undefined;
}

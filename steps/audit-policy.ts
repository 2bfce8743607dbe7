// `audit-policy`: before a control plane is sealed, prove that the kube-apiserver audit policy
// podsec's wrapper installs (tuneAudit) is in place — the policy file exists and is an audit
// Policy, and the kube-apiserver manifest names it and the audit log podsec-inotify-check-kubeapi
// follows, with the audit directory mounted. Read-only: podsec owns the manifest; a control plane
// without it fails here with what is missing and how podsec would have added it.
import type { StepContext } from '../engine/step-kind.js';
import { defineStep } from '../engine/step-kind.js';
import { APISERVER_MANIFEST, AUDIT_POLICY, auditProblems, policyProblem, readAuditSettings } from './lib/audit-manifest.js';
import { isControlPlane } from './lib/cluster-hosts.js';
import { stepError } from './lib/fail.js';
import { readIfExists, selfQuiet } from './lib/remote.js';

const FIX =
  "podsec's kubeadm wrapper adds these on a control plane's init or join (tuneAudit in podsec-u7s-functions, with yq): " +
  'check that yq works on the node and that /etc/podsec/u7s/audit/policy.yaml (podsec-k8s) is there, then add --audit-policy-file=/etc/kubernetes/audit/policy.yaml, ' +
  '--audit-log-path=/etc/kubernetes/audit/audit.log and the hostPath volume /etc/kubernetes/audit to the manifest as tuneAudit does (u7s restarts the API server)';

export const auditPolicyStep = defineStep<Record<string, never>>({
  kind: 'audit-policy',
  description: 'Check that the kube-apiserver audit policy podsec installs on a control plane is in place (the log podsec-inotify-check-kubeapi reads).',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  outputs: () => [{ name: 'policy', secret: false }],
  title: () => 'the API audit policy is in place',
  async run(ctx: StepContext) {
    if (!isControlPlane(ctx.host)) throw stepError(ctx, `${ctx.host.name} is not a control plane (roles ${ctx.host.roles.join(', ')}): only a control plane runs kube-apiserver`);
    const remote = selfQuiet(ctx);
    const manifest = (await readIfExists(remote, APISERVER_MANIFEST))?.toString('utf8');
    if (manifest === undefined) throw stepError(ctx, `${APISERVER_MANIFEST} is missing: this control plane runs no kube-apiserver`);
    let problems: string[];
    try {
      problems = auditProblems(readAuditSettings(manifest));
    } catch (err) {
      throw stepError(ctx, `${APISERVER_MANIFEST}: ${(err as Error).message}`);
    }
    if (problems.length > 0) throw stepError(ctx, `${APISERVER_MANIFEST} does not audit the API: ${problems.join('; ')}. Fix: ${FIX}`);
    const policy = (await readIfExists(remote, AUDIT_POLICY))?.toString('utf8');
    if (policy === undefined) throw stepError(ctx, `${AUDIT_POLICY} is missing, though kube-apiserver is told to load it. Fix: ${FIX}`);
    const bad = policyProblem(policy);
    if (bad !== undefined) throw stepError(ctx, `${AUDIT_POLICY}: ${bad}. Fix: ${FIX}`);
    ctx.log(`${APISERVER_MANIFEST} loads ${AUDIT_POLICY} and writes /etc/kubernetes/audit/audit.log`);
    return { policy: AUDIT_POLICY };
  },
});

// `kubectl-apply`: apply a manifest on the master with a bounded timeout. For flannel (the only
// CNI that works over slirp4netns) the podsec wrapper does this itself on the first master: it
// writes /etc/kubernetes/manifests/kube-flannel.yml (podsec-k8s's manifest with the images moved
// to the ALT registry) and applies it in an unbounded retry loop during `kubeadm init`
// (podsec-k8s/bin/podsec-u7s-kubeadm, alt-cloud/podsec commit 5014172). So the step is skipped
// when the CNI's DaemonSet is already there, and otherwise applies that same file, bounded.
import { command } from '../engine/util/shell.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { hostRemote, selfQuiet } from './lib/remote.js';
import { defineStep } from '../engine/step-kind.js';

export interface KubectlApplyWith {
  /** A path on the host or a URL (default: the flannel manifest the wrapper writes). */
  manifest?: string;
  /** Bound on the apply (default 5m). */
  timeout?: string;
  /** The resource whose existence means "applied" (default for flannel: daemonset kube-flannel-ds
   * in kube-flannel; none otherwise: apply is idempotent and simply runs again). */
  check?: { resource: string; namespace?: string };
}

export const FLANNEL_MANIFEST = '/etc/kubernetes/manifests/kube-flannel.yml';
const FLANNEL_CHECK = { resource: 'daemonset/kube-flannel-ds', namespace: 'kube-flannel' };

export const kubectlApplyStep = defineStep<KubectlApplyWith>({
  kind: 'kubectl-apply',
  description: 'kubectl apply -f a manifest (flannel by default) with a bounded timeout.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      manifest: { type: 'string', minLength: 1, pattern: '^[^\\n]+$' },
      timeout: DURATION_SCHEMA,
      check: {
        type: 'object',
        required: ['resource'],
        additionalProperties: false,
        properties: {
          resource: { type: 'string', pattern: '^[a-z0-9.-]+/[a-z0-9.-]+$' },
          namespace: { type: 'string', pattern: '^[a-z0-9-]+$' },
        },
      },
    },
  },
  outputs: () => [{ name: 'manifest', secret: false }],
  title: (w) => `kubectl apply -f ${w.manifest ?? 'flannel'}`,
  async check(ctx, w) {
    const c = checkOf(w);
    if (!c) return { done: false };
    const r = await selfQuiet(ctx).exec(getCommand(c));
    return r.exitCode === 0 ? { done: true, reason: `${c.resource} exists`, outputs: { manifest: manifestOf(w) } } : { done: false };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    const manifest = manifestOf(w);
    await hostRemote(ctx).run(command('kubectl', 'apply', '-f', manifest), {
      what: 'kubectl apply',
      timeoutMs: parseDuration(w.timeout, '5m'),
    });
    return { manifest };
  },
});

function manifestOf(w: KubectlApplyWith): string {
  return w.manifest ?? FLANNEL_MANIFEST;
}

function checkOf(w: KubectlApplyWith): { resource: string; namespace?: string } | undefined {
  if (w.check) return w.check;
  return manifestOf(w).includes('flannel') ? FLANNEL_CHECK : undefined;
}

function getCommand(c: { resource: string; namespace?: string }): string {
  return command('kubectl', 'get', c.resource, ...(c.namespace ? ['-n', c.namespace] : []));
}

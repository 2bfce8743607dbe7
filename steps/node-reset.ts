// `node-reset`: the last part of taking a node out — if SSH still reaches it, undo the join
// there so its kubelet stops and cannot register the node again: the reset podsec's scripts allow
// (steps/lib/kubeadm.ts RESET_SCRIPT: the native kubeadm reset inside u7s-admin's namespaces,
// never through the wrapper, whose option table has no -f), u7s off, etcd data and our markers
// gone; if the node is sealed or does not answer, say so and leave it (wipe or power it off). It copes with a sealed host: the run refuses its transport before connecting, and this
// step reports that instead of failing. Outputs `reset: true|false` for a following disable-ssh.
import { PlayError } from '../engine/errors.js';
import { nodeName } from './lib/cluster-hosts.js';
import { RESET_COMMAND } from './lib/kubeadm.js';
import { selfQuiet } from './lib/remote.js';
import { defineStep } from '../engine/step-kind.js';

/** After RESET_COMMAND (which stops u7s and removes the etcd data itself): u7s off again in case
 * something started it meanwhile, and podsec-play's markers, so a later join starts clean. */
export const NODE_OFF_COMMAND = 'systemctl disable --now u7s && rm -rf /var/lib/podsec/u7s/etcd/member /var/lib/podsec-play';

export const nodeResetStep = defineStep<Record<string, never>>({
  kind: 'node-reset',
  description: "Undo the join on this node if SSH still reaches it (kubeadm reset inside u7s-admin's namespaces, u7s off); a sealed or silent node is reported and left.",
  schema: { type: 'object', additionalProperties: false, properties: {} },
  outputs: () => [
    { name: 'reset', secret: false },
    { name: 'reachable', secret: false },
  ],
  title: () => 'kubeadm reset, if SSH still reaches the node',
  sshUse: () => 'optional',
  async run(ctx): Promise<Record<string, string>> {
    let remote;
    try {
      // The host's transport is asked for here: a sealed host is refused before any connection
      remote = selfQuiet(ctx);
      await remote.run(RESET_COMMAND, { what: "kubeadm reset inside u7s-admin's namespaces" });
    } catch (err) {
      if (err instanceof PlayError && (err.code === 'E_SEALED' || err.code === 'E_CONNECT')) {
        const why = err.code === 'E_SEALED' ? 'its SSH was turned off (sealed)' : 'it does not answer SSH';
        ctx.note(
          `${ctx.host.name} was taken out of the cluster through the API but not reset: ${why}. ` +
            `Its kubelet may register node ${nodeName(ctx.host)} again until the machine is wiped or powered off.`,
        );
        return { reset: 'false', reachable: 'false' };
      }
      throw err;
    }
    await remote.run(NODE_OFF_COMMAND, { what: 'turning u7s off' });
    ctx.log(`${ctx.host.name} reset: kubeadm reset inside u7s-admin's namespaces, u7s disabled and stopped`);
    return { reset: 'true', reachable: 'true' };
  },
});

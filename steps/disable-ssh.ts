// `disable-ssh`: the last step — seal the node. Only after every node is Ready (re-checked on a
// control plane still reachable), sshd is disabled and stopped from a detached shell (the
// SSH session running the step survives the stop; the drop that may follow is no failure),
// then the controller proves the port refuses connections. --keep-ssh leaves SSH on.
import { PlayError } from '../engine/errors.js';
import type { Host } from '../engine/model.js';
import { existsSync } from 'node:fs';
import { verifyThroughApi } from './lib/api-health.js';
import { controlPlaneHosts, expectedNodes, isControlPlane } from './lib/cluster-hosts.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { stepError } from './lib/fail.js';
import { GET_NODES, notReady, parseNodes } from './lib/kubectl.js';
import { poll } from './lib/poll.js';
import { remoteFor } from './lib/remote.js';
import { probeTcp } from './lib/tcp-probe.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface DisableSshWith {
  /** Nodes that must be Ready before sealing (default: every master/control-plane/worker). */
  nodes?: string[];
  /** How long the controller waits for the port to close (default 15s). */
  verifyTimeout?: string;
  /** `controller` (default): prove from here that the port is closed; `none`: skip the proof
   * (hosts behind a jump host, which the controller cannot reach directly). */
  verify?: 'controller' | 'none';
}

/**
 * Detached (nohup, stdin/stdout closed, backgrounded) so the command returns at once and the
 * stop happens a second later, whatever becomes of this session. Socket-activated sshd
 * (ssh.socket) is turned off first; then the service under its Red Hat/ALT name, else Debian's.
 */
export const SEAL_COMMAND =
  "nohup sh -c 'sleep 1; systemctl disable --now ssh.socket sshd.socket >/dev/null 2>&1; " +
  "systemctl disable --now sshd || systemctl disable --now ssh' </dev/null >/dev/null 2>&1 &";

export const disableSshStep = defineStep<DisableSshWith>({
  kind: 'disable-ssh',
  description: 'Turn SSH off on this node once the cluster is healthy, and prove from the controller that the port is closed.',
  sealsHost: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      nodes: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      verifyTimeout: DURATION_SCHEMA,
      verify: { enum: ['controller', 'none'] },
    },
  },
  outputs: () => [
    { name: 'sealed', secret: false },
    { name: 'at', secret: false },
  ],
  title: () => 'turn SSH off',
  // --keep-ssh defers the seal rather than finishing the step: a later run without the flag
  // still seals. (The "already off" case is handled in run: a seal is recorded on success.)
  async check(ctx) {
    if (keepSsh(ctx)) return { done: true, deferred: true, reason: 'SSH kept on (--keep-ssh or keepSsh in the inventory)' };
    return { done: false };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    if (ctx.host.transport !== 'ssh') {
      throw stepError(ctx, `${ctx.host.name} is reached with transport "${ctx.host.transport}", not ssh: there is no SSH to turn off`);
    }
    const verify = w.verify ?? 'controller';
    const { address, port } = ctx.host;
    const before = await probeTcp(address, port, 3000, ctx.signal);
    if (before === 'refused') {
      // Every earlier phase reached this host over SSH, so a port that now refuses connections
      // was turned off by an interrupted earlier attempt of this step (killed after sshd
      // stopped, before the run recorded it): record the seal now. (Not a `check`: the seal
      // is recorded for a step that succeeds.) A timeout proves nothing and falls through.
      ctx.log(`SSH is already off (${address}:${port} refuses connections): an earlier, interrupted attempt turned it off`);
      return { sealed: 'true', at: new Date().toISOString() };
    }
    if (verify === 'controller') {
      if (before !== 'open') {
        throw stepError(
          ctx,
          `cannot prove the seal: ${address}:${port} is not reachable from the controller (${before}); ` +
            'behind a jump host set with.verify: none. SSH left on.',
        );
      }
    }
    await ensureClusterReady(ctx, w);
    await ctx.run(SEAL_COMMAND, { timeoutMs: 30_000 });
    const at = new Date().toISOString();
    if (verify === 'none') {
      ctx.log('sshd stop scheduled; the port was not verified (verify: none)');
      return { sealed: 'true', at };
    }
    let last = 'open';
    const closed = await poll(
      async () => {
        last = await probeTcp(address, port, 2000, ctx.signal);
        return last === 'open' ? undefined : true;
      },
      { timeoutMs: parseDuration(w.verifyTimeout, '15s'), intervalMs: 250, signal: ctx.signal },
    );
    if (!closed) throw stepError(ctx, `sshd was told to stop but ${address}:${port} still accepts connections`, true);
    ctx.log(`SSH is off: ${address}:${port} ${last}`);
    return { sealed: 'true', at };
  },
});

function keepSsh(ctx: StepContext): boolean {
  return ctx.keepSsh || ctx.host.keepSsh === true || ctx.cluster.keepSsh === true;
}

/**
 * Ask a control plane that still has SSH (this node first when it is one) whether every
 * expected node is Ready. None reachable (all sealed already): the earlier wait-nodes-ready
 * phase vouched for the cluster, and no later phase runs after a failure.
 */
async function ensureClusterReady(ctx: StepContext, w: DisableSshWith): Promise<void> {
  const expected = w.nodes ?? expectedNodes(ctx);
  // Once the admin's kubeconfig is out, the API answers for the cluster (no SSH on any node)
  if (existsSync(ctx.kubeconfigFile)) {
    ctx.log(`${await verifyThroughApi(ctx, expected)}: sealing`);
    return;
  }
  const candidates: Host[] = [
    ...(isControlPlane(ctx.host) ? [ctx.host] : []),
    ...controlPlaneHosts(ctx).filter((h) => h.name !== ctx.host.name),
  ];
  for (const cp of candidates) {
    let stdout: string;
    try {
      const r = await (await remoteFor(ctx, cp.name)).exec(GET_NODES);
      if (r.exitCode !== 0) continue;
      stdout = r.stdout;
    } catch (err) {
      if (err instanceof PlayError && err.code === 'E_ABORTED') throw err;
      continue; // sealed or unreachable: ask the next one
    }
    let missing: string[];
    try {
      missing = notReady(parseNodes(stdout), expected);
    } catch {
      continue;
    }
    if (missing.length > 0) throw stepError(ctx, `not sealing: nodes not Ready (${missing.join(', ')}), asked on ${cp.name}`, true);
    ctx.log(`every node Ready (asked on ${cp.name}): sealing`);
    return;
  }
  ctx.log('no control plane answers over SSH any more: relying on the earlier wait-nodes-ready');
}

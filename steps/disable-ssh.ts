// `disable-ssh`: the last step — seal the node. Sealing cannot be undone, so it happens only on
// evidence and is recorded only on proof:
//   - right before this host is sealed, the cluster must be healthy at that moment (every node
//     Ready, the API answering through the control-plane endpoint), asked through the Kubernetes
//     API from the controller once the admin's kubeconfig is out (steps/lib/api-health.ts), else
//     over SSH of a control plane (steps/lib/cluster-health.ts): health that cannot be verified
//     is not health, and nothing is sealed;
//   - the journal records, durably, that the seal command is being sent, then it is sent: sshd
//     disabled and stopped from a detached shell (the SSH session running it survives the stop;
//     a drop that may follow is no failure);
//   - the controller then proves the port refuses connections. A port that refuses is taken as
//     this host's seal only when the seal command was sent to it (by this or an earlier run):
//     anything else — sshd merely down, a port blocked, a link timing out — is a retryable
//     failure that says what was seen, and SSH is not recorded as off.
// The engine runs a phase with this step one host at a time (control planes last, the master
// last of all, so the health can be asked of one) and stops at the first failed seal.
// The podsec-inotify units the monitoring step switched on here are proven active again first.
// --keep-ssh leaves SSH on.
import type { Host } from '../engine/model.js';
import { existsSync } from 'node:fs';
import { verifyThroughApi } from './lib/api-health.js';
import { expectedNodes } from './lib/cluster-hosts.js';
import { verifyOverSsh } from './lib/cluster-health.js';
import { DURATION_SCHEMA, parseDuration } from './lib/duration.js';
import { stepError } from './lib/fail.js';
import { poll } from './lib/poll.js';
import { proveMonitoring } from './lib/monitoring-proof.js';
import { selfQuiet } from './lib/remote.js';
import { probeTcp, type ProbeResult } from './lib/tcp-probe.js';
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
  // Control planes last and the master last of all: the health before each seal is asked of one.
  sealOrder: (host: Host) => (host.roles.includes('master') ? 2 : host.roles.includes('control-plane') ? 1 : 0),
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
      // Closed already. That is this host's seal only if the seal command was sent to it (an
      // attempt killed after sshd stopped, before the run recorded it); otherwise sshd is down
      // for some other reason, or something blocks the port, and it may well still be enabled.
      const sent = ctx.seal.commandSent();
      if (!sent) {
        throw stepError(
          ctx,
          `not sealed: ${address}:${port} refuses connections, but no run has sent the seal command to ${ctx.host.name}: ` +
            'sshd is down or something blocks the port (it may still be enabled). Not recorded as sealed. ' +
            'Start sshd or clear the way to the port, then run again.',
          true,
        );
      }
      ctx.log(`SSH is already off: ${address}:${port} refuses connections, and the seal command was sent to it by run ${sent.runId} at ${sent.at}`);
      return { sealed: 'true', at: sent.at };
    }
    if (verify === 'controller' && before !== 'open') {
      const sent = ctx.seal.commandSent();
      if (sent) {
        // An earlier attempt sent the seal command, and now the port cannot be judged.
        throw stepError(
          ctx,
          `the seal command was sent to ${ctx.host.name} by run ${sent.runId} at ${sent.at}, but whether SSH is off cannot be told: ` +
            `at ${address}:${port} ${SEEN[before]}. Not recorded as sealed: run again once the controller reaches the port (a refusal then counts as the seal).`,
          true,
        );
      }
      throw stepError(
        ctx,
        `cannot prove the seal: ${address}:${port} is not reachable from the controller (${before}); ` +
          'behind a jump host set with.verify: none. SSH left on.',
        before === 'timeout',
      );
    }
    // The cluster must be healthy now, right before this host is sealed.
    // Once the admin's kubeconfig is out, ask the API from the controller (no SSH on any node
    // needed: it answers even when every control plane is sealed); before that, over SSH.
    const probe = existsSync(ctx.kubeconfigFile) ? verifyThroughApi : verifyOverSsh;
    const health = await probe(ctx, w.nodes ?? expectedNodes(ctx)).catch((err: Error) => {
      throw stepError(ctx, `not sealing ${ctx.host.name}: ${err.message}. SSH left on.`, (err as { retryable?: boolean }).retryable !== false);
    });
    ctx.log(`${health}: sealing ${ctx.host.name}`);
    await ensureMonitoring(ctx);
    ctx.seal.recordCommandSent();
    await ctx.run(SEAL_COMMAND, { timeoutMs: 30_000 });
    const at = new Date().toISOString();
    if (verify === 'none') {
      ctx.log('sshd stop scheduled; the port was not verified (verify: none)');
      return { sealed: 'true', at };
    }
    // Only a refusal proves sshd is off: a timeout or an unreachable port proves nothing.
    let last: ProbeResult = 'open';
    const timeout = w.verifyTimeout ?? '15s';
    const closed = await poll(
      async () => {
        last = await probeTcp(address, port, 2000, ctx.signal);
        return last === 'refused' ? true : undefined;
      },
      { timeoutMs: parseDuration(timeout, '15s'), intervalMs: 250, signal: ctx.signal },
    );
    if (!closed) {
      throw stepError(
        ctx,
        `the seal command was sent to ${ctx.host.name}, but ${address}:${port} did not start refusing connections within ${timeout} ` +
          `(last seen: ${SEEN[last]}). Not recorded as sealed: run again (a port found refusing then counts as the seal; an open one is sealed again).`,
        true,
      );
    }
    ctx.log(`SSH is off: ${address}:${port} refuses connections`);
    return { sealed: 'true', at };
  },
});

const SEEN: Record<ProbeResult, string> = {
  open: 'it still accepts connections',
  refused: 'it refuses connections',
  timeout: 'connections time out',
  unreachable: 'the address is unreachable',
};

/** The podsec-inotify units the monitoring step switched on here must still be active: a node
 * sealed without them keeps no security monitoring. */
async function ensureMonitoring(ctx: StepContext): Promise<void> {
  const proof = await proveMonitoring(selfQuiet(ctx));
  if (!proof) return;
  if (proof.bad.length > 0) throw stepError(ctx, `not sealing: ${proof.bad.join('; ')} (podsec-inotify's monitoring is all a sealed node keeps)`, true);
  ctx.log(`monitoring active: ${proof.units.join(', ')}`);
}

function keepSsh(ctx: StepContext): boolean {
  return ctx.keepSsh || ctx.host.keepSsh === true || ctx.cluster.keepSsh === true;
}

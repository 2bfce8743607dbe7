// Running `kubeadm init|join` through the wrapper exactly once per node: read the node's state,
// skip a finished node, refuse foreign cluster state, reset our own half-finished attempt (and
// answer the wrapper's `Clear directory? y/N` with `y` only then), mark the start, run under
// the node's lock, check that the node is up (the wrapper can exit 0 having done nothing), clear
// the mark.
import { CommandError, PlayError } from '../../engine/errors.js';
import type { ExecResult, PromptAnswer } from '../../engine/transport/types.js';
import type { CheckResult, StepContext } from '../../engine/step-kind.js';
import { stepError } from './fail.js';
import { CLEAR_DIRECTORY_YES, decideInit, decideJoin, KUBEADM_PROGRESS, RESET_COMMAND, underLock } from './kubeadm.js';
import { selfQuiet, type Remote } from './remote.js';
import { describeState, LOCK_BUSY_EXIT, MARKER_DIR, NODE_STATE_COMMAND, parseNodeState, type NodeState } from './u7s.js';

export type KubeadmOp = 'init' | 'join';

export async function readNodeState(ctx: StepContext): Promise<NodeState> {
  const r = await selfQuiet(ctx).run(NODE_STATE_COMMAND, { what: 'reading the kubeadm state' });
  return parseNodeState(r.stdout);
}

export async function checkKubeadm(ctx: StepContext, op: KubeadmOp): Promise<CheckResult & { state: NodeState }> {
  const state = await readNodeState(ctx);
  const d = op === 'init' ? decideInit(state) : decideJoin(state);
  return d.action === 'skip' ? { done: true, reason: d.reason, state } : { done: false, state };
}

export interface KubeadmRun {
  op: KubeadmOp;
  /** `kubeadm init …` / `kubeadm join …` (no PATH, no lock). */
  argv: string;
  env: Record<string, string>;
  /** The marker file that says podsec-play started this operation here. */
  marker: string;
}

/**
 * Run the operation once. Returns the command's stdout, or undefined when the node turned out
 * to be finished already (a resumed attempt after the node came up).
 */
export async function runKubeadmOnce(ctx: StepContext, k: KubeadmRun): Promise<string | undefined> {
  const remote = selfQuiet(ctx, { progress: KUBEADM_PROGRESS });
  const state = await readNodeState(ctx);
  const d = k.op === 'init' ? decideInit(state) : decideJoin(state);
  if (d.action === 'skip') {
    ctx.log(`kubeadm ${k.op}: ${d.reason}; not running it again`);
    return undefined;
  }
  if (d.action === 'refuse') {
    throw stepError(
      ctx,
      `kubeadm ${k.op} would wipe existing cluster state that podsec-play did not create here (${describeState(state)}). ` +
        'Tear it down first (playbooks/reset.yaml), then run again.',
    );
  }
  let answers: PromptAnswer[] | undefined;
  if (d.resetFirst) {
    ctx.log(`an earlier kubeadm ${k.op} here stopped half-way (${describeState(state)}): resetting the node before trying again`);
    await lockRun(ctx, remote, RESET_COMMAND, {}, undefined, 'resetting the node');
    // Only now may the wrapper's "Clear directory? y/N" (etcd data of our own attempt) get a yes.
    answers = [CLEAR_DIRECTORY_YES];
  }
  await remote.run(`mkdir -p ${MARKER_DIR} && date -u +%Y-%m-%dT%H:%M:%SZ > ${k.marker}`, { what: 'writing the start marker' });
  const result = await lockRun(ctx, remote, underLock(k.argv), k.env, answers, `kubeadm ${k.op}`);
  const after = await readNodeState(ctx);
  if ((k.op === 'init' ? decideInit(after) : decideJoin(after)).action !== 'skip') {
    throw stepError(
      ctx,
      `the podsec wrapper's kubeadm ${k.op} exited 0 but the node is not up (${describeState(after)}); its output ended:\n${lastLines(`${result.stdout}\n${result.stderr}`, 8)}`,
      true,
    );
  }
  await remote.run(`rm -f ${k.marker}`, { what: 'removing the start marker' });
  return result.stdout;
}

function lastLines(text: string, n: number): string {
  return text.replace(/\s+$/, '').split('\n').slice(-n).join('\n');
}

/** kubeadm's own error lines: the wrapper runs kubeadm under machinectl's terminal, so they come
 * on stdout while stderr only says "Cluster deployment failed". */
function kubeadmErrors(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((l) => /error execution phase|\[ERROR [A-Za-z0-9-]+\]|^error:|couldn't validate|Image version .* unavailable/i.test(l))
    .slice(-6);
}

async function lockRun(
  ctx: StepContext,
  remote: Remote,
  command: string,
  env: Record<string, string>,
  answers: PromptAnswer[] | undefined,
  what: string,
): Promise<ExecResult> {
  const r = await remote.exec(command, { env, ...(answers ? { answers } : {}) });
  if (r.exitCode === LOCK_BUSY_EXIT) {
    throw new PlayError(`${what}: another kubeadm is still running on ${ctx.host.name} (an earlier attempt); will retry`, {
      code: 'E_STEP',
      retryable: true,
      host: ctx.host.name,
    });
  }
  if (r.exitCode !== 0) {
    const errors = kubeadmErrors(r.stdout);
    throw new CommandError(errors.length > 0 ? { ...r, stderr: `${r.stderr.replace(/\s+$/, '')}\n${errors.join('\n')}` } : r, { host: ctx.host.name, what });
  }
  return r;
}

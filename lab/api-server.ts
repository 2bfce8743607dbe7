// Starts and stops the lab's Kubernetes API server (lab/standins/apiserver/serve.mjs) for a lab:
// a child process that listens on every node's INTERNAL:6443 (answering only while that node is
// a running control plane) and on the VIP's control-plane endpoint port, and serves HTTPS from
// the simulated cluster. A child, not in-process: it reuses the stand-ins' libraries, which keep
// one lab's state in module scope, while a test process runs many labs at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PlayError } from '../engine/errors.js';
import type { LabState } from './layout.js';
import { nodeRoot } from './layout.js';
import { standinsDir } from './standins.js';

export interface ApiServerProcess {
  pid: number;
  stop(): Promise<void>;
}

/** `--apiserver`/`--frontend` arguments for a lab's topology. */
export function apiServerArgs(state: LabState): string[] {
  const args: string[] = [];
  for (const n of state.nodes) args.push('--apiserver', `${n.name}=${n.internalAddress}:6443`);
  const cpe = state.cluster.controlPlaneEndpoint;
  const vip = state.cluster.vip;
  if (vip && cpe) {
    const port = Number(cpe.slice(cpe.lastIndexOf(':') + 1));
    if (Number.isInteger(port) && port > 0) args.push('--frontend', `${vip}:${port}`);
  }
  return args;
}

export interface ApiServerOptions {
  /** Where the stand-ins are (default: lab/standins of this checkout or package). */
  standinsDir?: string;
  /** The `node` that runs it (default: this process's; the single executable's shim there). */
  node?: string;
}

export async function startApiServer(dir: string, state: LabState, o: ApiServerOptions = {}): Promise<ApiServerProcess> {
  const first = state.nodes[0];
  if (!first) throw new PlayError('the lab has no nodes', { code: 'E_STATE' });
  const logFd = openSync(join(dir, 'apiserver.log'), 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(o.node ?? process.execPath, [join(o.standinsDir ?? standinsDir(), 'apiserver', 'serve.mjs'), ...apiServerArgs(state), '--exit-with-stdin'], {
      env: { ...process.env, LAB_DIR: dir, LAB_NODE: first.name, LAB_NODE_ROOT: nodeRoot(dir, first.name) },
      stdio: ['pipe', 'pipe', logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => {
      lines.close();
      resolve(l);
    });
    child.once('exit', (code, signal) => resolve(`error: exited (${code ?? signal}) before it was ready; see ${join(dir, 'apiserver.log')}`));
    child.once('error', (err) => resolve(`error: ${err.message}`));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    child.stdin?.destroy();
  };
  if (line !== 'ready') {
    await stop();
    throw new PlayError(`cannot start the lab's API server: ${line.replace(/^error: /, '')}`, { code: 'E_STATE' });
  }
  return { pid: child.pid!, stop };
}

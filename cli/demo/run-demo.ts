// The demo's body: lab up, ha-cluster.yaml, proof, summary. Kept out of the command file so
// `demo --help` does not load the lab. The proof of the result is asked the way an admin would
// after the seal: through the Kubernetes API, with the kubeconfig the run left on the controller.
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT } from '../../engine/errors.js';
import { readFileSync } from 'node:fs';
import { readJournal } from '../../engine/journal/journal.js';
import type { ReporterMode } from '../../engine/report/index.js';
import { formatDuration } from '../../engine/util/duration.js';
import { startLab } from '../../lab/index.js';
import { connectKube, KubeApiError, parseKubeconfig } from '../../steps/lib/kube-api-client.js';
import { shippedPlaybook, standinsOption } from '../resources.js';
import { runPlaybook } from '../run-playbook.js';

export interface DemoOptions {
  dir?: string;
  mode: ReporterMode;
  keepLab: boolean;
}


export async function runDemo(o: DemoOptions): Promise<number> {
  const started = Date.now();
  const dir = resolve(o.dir ?? mkdtempSync(join(tmpdir(), 'podsec-play-demo-')));
  const out = o.mode === 'json' ? process.stderr : process.stdout;
  out.write(`Starting the lab in ${dir}: cp-1 (master), cp-2, cp-3, lb-1, lb-2, worker-1..3\n`);
  const lab = await startLab({ dir, controlPlanes: 2, workers: 3, lbs: 2, ...standinsOption() });
  const playbook = shippedPlaybook('ha-cluster.yaml');
  const stateFile = join(dir, '.podsec-play', 'ha-cluster.state.json');
  const logFile = join(dir, '.podsec-play', 'ha-cluster.log');
  let code: number;
  try {
    out.write(`Running ${playbook} -i ${lab.inventoryFile}\n\n`);
    code = await runPlaybook({
      playbookFile: playbook,
      inventoryFile: lab.inventoryFile,
      stateFile,
      logFile,
      fresh: false,
      mode: o.mode,
      color: false,
      acceptNewHostKeys: false,
      keepSsh: false,
    });
    if (code !== EXIT.ok) {
      out.write(`\nThe demo run did not finish (exit ${code}). The lab is in ${dir}; the log is ${logFile}.\n`);
      return code;
    }
    const state = readJournal(stateFile);
    const kubeconfig = Object.values(state.steps).find((s) => s.uses === 'fetch-kubeconfig' && s.status !== 'failed')?.outputs?.['path'];
    const closed = await Promise.all(lab.nodes.map(async (n) => ({ name: n.name, closed: !(await portOpen(n.port)) })));
    const sealed = closed.filter((c) => c.closed).length;
    const expected = lab.nodes.filter((n) => n.role !== 'lb').length;
    const api = kubeconfig ? await readyThroughApi(kubeconfig) : { ready: 0, where: 'no kubeconfig was written' };
    out.write(
      [
        '',
        'Demo summary',
        `  nodes Ready:        ${api.ready} of ${expected} (${api.where})`,
        `  SSH sealed:         ${sealed} of ${lab.nodes.length} nodes refuse connections on their SSH port${sealed === lab.nodes.length ? '' : ` (still open: ${closed.filter((c) => !c.closed).map((c) => c.name).join(', ')})`}`,
        `  kubeconfig:         ${kubeconfig ?? '(none)'}${kubeconfig ? ' (mode 0600: the way into the sealed cluster)' : ''}`,
        ...(kubeconfig
          ? [
              `  next:               kubectl --kubeconfig ${kubeconfig} get nodes`,
              `                      (while the lab serves: ${o.keepLab ? 'until Ctrl-C' : `add --keep-lab, or podsec-play lab up --dir ${dir}`})`,
            ]
          : []),
        `  time taken:         ${formatDuration(Date.now() - started)}`,
        `  lab:                ${dir} (node files under nodes/, actions.log per node)`,
        `  log:                ${logFile}`,
        `  state:              ${stateFile}`,
        '',
      ].join('\n'),
    );
    if (sealed !== lab.nodes.length || api.ready !== expected) code = EXIT.stepFailed;
    if (o.keepLab) {
      out.write('The lab keeps serving; press Ctrl-C to stop it.\n');
      await new Promise<void>((r) => process.once('SIGINT', () => r()));
    }
  } finally {
    await lab.stop();
  }
  return code;
}

/** Ready nodes as an admin sees them after the seal: through the API, with the kubeconfig. */
async function readyThroughApi(file: string): Promise<{ ready: number; where: string }> {
  try {
    const parsed = parseKubeconfig(readFileSync(file, 'utf8'), file);
    const nodes = await connectKube(parsed, { timeoutMs: 10_000 }).nodeStatuses();
    return { ready: nodes.filter((n) => n.ready).length, where: `through the API at ${parsed.server} with the kubeconfig, after sealing` };
  } catch (err) {
    return { ready: 0, where: `the API did not answer: ${err instanceof KubeApiError ? err.message : String(err)}` };
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      res(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

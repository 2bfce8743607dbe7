// The demo's body: lab up, ha-cluster.yaml, proof, summary. Kept out of the command file so
// `demo --help` does not load the lab.
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT } from '../../engine/errors.js';
import { readJournal } from '../../engine/journal/journal.js';
import type { ReporterMode } from '../../engine/report/index.js';
import { formatDuration } from '../../engine/util/duration.js';
import { startLab } from '../../lab/index.js';
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
    const ready = Object.values(state.steps).find((s) => s.uses === 'wait-nodes-ready' && s.status === 'succeeded')?.outputs?.ready ?? '?';
    const closed = await Promise.all(lab.nodes.map(async (n) => ({ name: n.name, closed: !(await portOpen(n.port)) })));
    const sealed = closed.filter((c) => c.closed).length;
    out.write(
      [
        '',
        'Demo summary',
        `  nodes Ready:        ${ready} of ${lab.nodes.filter((n) => n.role !== 'lb').length} (kubectl on the master, before sealing)`,
        `  SSH sealed:         ${sealed} of ${lab.nodes.length} nodes refuse connections on their SSH port${sealed === lab.nodes.length ? '' : ` (still open: ${closed.filter((c) => !c.closed).map((c) => c.name).join(', ')})`}`,
        `  time taken:         ${formatDuration(Date.now() - started)}`,
        `  lab:                ${dir} (node files under nodes/, actions.log per node)`,
        `  log:                ${logFile}`,
        `  state:              ${stateFile}`,
        '',
      ].join('\n'),
    );
    if (sealed !== lab.nodes.length) code = EXIT.stepFailed;
    if (o.keepLab) {
      out.write('The lab keeps serving; press Ctrl-C to stop it.\n');
      await new Promise<void>((r) => process.once('SIGINT', () => r()));
    }
  } finally {
    await lab.stop();
  }
  return code;
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

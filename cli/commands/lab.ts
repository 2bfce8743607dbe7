// `podsec-play lab up|down|clock`: simulated nodes any machine with Node can run without root
// (lab/), the embedded default target of the demo and of most tests.
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PlayError } from '../../engine/errors.js';
import { InvalidArgumentError } from 'commander';
import { Option, exits, newCommand, usageError, type Command } from '../command.js';
import { standinsOption } from '../resources.js';

/** The lab (ssh2 and all) loads only when a lab subcommand runs: `--help` stays fast. */
const loadLab = () => import('../../lab/index.js');

/** commander's parser for whole-number options. */
function count(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`--${flag} takes a whole number.`);
    return Number(value);
  };
}

interface UpFlags {
  dir: string;
  controlPlanes?: number;
  workers?: number;
  lbs?: number;
  readyDelay?: number;
  os?: 'p10' | 'c10f';
}

async function up(flags: UpFlags): Promise<number> {
  const dir = resolve(flags.dir);
  const { startLab } = await loadLab();
  const lab = await startLab({
    dir,
    controlPlanes: flags.controlPlanes,
    workers: flags.workers,
    lbs: flags.lbs,
    readyDelayMs: flags.readyDelay,
    ...(flags.os ? { os: flags.os } : {}),
    ...standinsOption(),
  });
  for (const n of lab.nodes) {
    const state = n.listening ? `127.0.0.1:${n.port}` : `sealed (SSH off; port ${n.port})`;
    process.stdout.write(`  ${n.name.padEnd(10)} ${n.role.padEnd(14)} ${n.internalAddress.padEnd(12)} ${state}\n`);
  }
  process.stdout.write(`inventory: ${lab.inventoryFile}\nlab ready\n`);
  await new Promise<void>((done) => {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const finish = () => {
      clearInterval(keepAlive);
      done();
    };
    process.once('SIGTERM', finish);
    process.once('SIGINT', finish);
  });
  await lab.stop();
  return 0;
}

async function down(flags: { dir: string }): Promise<number> {
  const dir = resolve(flags.dir);
  const { labFiles, processAlive, readPid } = await loadLab();
  const pidFile = labFiles(dir).pid;
  if (!existsSync(pidFile)) {
    process.stdout.write(`no lab is running in ${dir}\n`);
    return 0;
  }
  const pid = readPid(pidFile);
  if (pid === undefined || !processAlive(pid)) {
    rmSync(pidFile, { force: true });
    process.stdout.write(`no lab is running in ${dir} (removed a stale pid file)\n`);
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (processAlive(pid)) {
    if (Date.now() > deadline) throw new PlayError(`the lab (pid ${pid}) did not stop within 15 s`, { code: 'E_TIMEOUT' });
    await delay(20);
  }
  process.stdout.write(`lab stopped (pid ${pid})\n`);
  return 0;
}

async function clock(flags: { dir: string; advance?: string }): Promise<number> {
  const dir = resolve(flags.dir);
  const { advanceClock, labFiles, labNow, parseLabDuration } = await loadLab();
  if (!existsSync(labFiles(dir).state)) throw new PlayError(`${dir} is not a lab directory (no lab.json)`, { code: 'E_USAGE' });
  let now: number;
  if (flags.advance !== undefined) {
    const ms = parseLabDuration(flags.advance);
    if (ms === undefined) throw usageError(`--advance takes a duration such as 90s, 30m, 3h or 1d, got "${flags.advance}"`);
    now = advanceClock(dir, ms);
  } else now = labNow(dir);
  process.stdout.write(`lab time: ${new Date(now).toISOString()}\n`);
  return 0;
}

export function labCommand(): Command {
  const lab = newCommand('lab')
    .summary('start, stop or move the clock of simulated nodes (lab up|down|clock)')
    .description('Simulated nodes: in-process SSH servers on 127.0.0.1, no root needed. See lab/README.md.')
    .addHelpText('after', '\nThen: podsec-play run PLAYBOOK -i DIR/inventory.yaml.');
  lab
    .command('up')
    .summary('start simulated nodes and serve until Ctrl-C')
    .description(
      "Start one simulated node per host (an SSH server on 127.0.0.1 with its files under DIR/nodes/NAME, an internal address in the lab's own 127.A.B.0/24): the master cp-1, N more control planes, N workers, N load balancers (with LBs the inventory gets the VIP 127.A.B.100 and controlPlaneEndpoint 127.A.B.100:8443), and the Kubernetes API server on every control plane's INTERNAL:6443 and the VIP (real HTTPS: kubectl works with the kubeconfig a run fetched). Writes DIR/inventory.yaml, DIR/known_hosts, the client key DIR/id_ed25519 and DIR/lab.pid, prints \"lab ready\", and serves until SIGTERM or Ctrl-C. On an existing DIR the same nodes, addresses, ports and host keys come back (larger counts add nodes); node files and the cluster survive like disks.",
    )
    .requiredOption('--dir <dir>', 'where the lab lives')
    .option('--control-planes <n>', 'control planes besides the master (default 0)', count('control-planes'))
    .option('--workers <n>', 'workers (default 1)', count('workers'))
    .option('--lbs <n>', 'load balancers (default 0)', count('lbs'))
    .option('--ready-delay <ms>', "lab time between a node's join (and the CNI) and Ready (default 1000)", count('ready-delay'))
    .addOption(
      new Option('--os <release>', "the /etc/os-release new nodes get: ALT Server 10 (p10) or ALT SP Server (c10f); podsec-play takes the cluster's platform from it").choices(['p10', 'c10f']),
    )
    .action(exits(up));
  lab
    .command('down')
    .summary('stop the lab running in DIR')
    .description('Stop the lab running in DIR (by its pid file) and wait until it has exited.')
    .requiredOption('--dir <dir>', 'where the lab lives')
    .action(exits(down));
  lab
    .command('clock')
    .summary('print or advance lab time')
    .description('Print lab time; --advance moves it forward so bootstrap tokens (24 h) and certificate keys (2 h) expire without waiting.')
    .requiredOption('--dir <dir>', 'where the lab lives')
    .option('--advance <duration>', 'move lab time forward, e.g. 90s, 30m, 3h, 1d')
    .action(exits(clock));
  return lab;
}

// `podsec-play lab up|down|clock`: simulated nodes any machine with Node can run without root
// (lab/), the embedded default target of the demo and of most tests.
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PlayError } from '../../engine/errors.js';
import type { Command } from '../command.js';
import { parse, usageError } from '../args.js';

/** The lab (ssh2 and all) loads only when a lab subcommand runs: `--help` stays fast. */
const loadLab = () => import('../../lab/index.js');

const USAGE = `Usage:
  podsec-play lab up --dir DIR [--control-planes N] [--workers N] [--lbs N] [--ready-delay MS] [--os p10|c10f]
  podsec-play lab down --dir DIR
  podsec-play lab clock --dir DIR [--advance DURATION]`;

const HELP = `${USAGE}

up      Start one simulated node per host (an SSH server on 127.0.0.1 with its files under
        DIR/nodes/NAME): the master cp-1, N more control planes (default 0), N workers
        (default 1), N load balancers (default 0; with LBs the inventory gets the VIP
        127.0.1.100 and controlPlaneEndpoint 127.0.1.100:8443). Writes DIR/inventory.yaml,
        DIR/known_hosts, the client key DIR/id_ed25519 and DIR/lab.pid, prints "lab ready",
        and serves until SIGTERM or Ctrl-C. On an existing DIR the same nodes, ports and host
        keys come back (larger counts add nodes); node files survive like disks.
        --ready-delay: lab time between a node's join (and the CNI) and Ready (default 1000).
        --os: the /etc/os-release new nodes get: ALT Server 10 (p10, the default) or ALT SP
        Server (c10f); podsec-play takes the cluster's platform from it.
down    Stop the lab running in DIR (by its pid file) and wait until it has exited.
clock   Print lab time; --advance moves it forward (e.g. 90s, 30m, 3h, 1d) so bootstrap
        tokens (24 h) and certificate keys (2 h) expire without waiting.

Then: podsec-play run PLAYBOOK -i DIR/inventory.yaml. See lab/README.md.`;

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw usageError(`--${flag} must be a whole number, got "${value}"`, USAGE);
  return Number(value);
}

function requireDir(dir: string | undefined): string {
  if (!dir) throw usageError('--dir DIR is required', USAGE);
  return resolve(dir);
}

async function up(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    {
      dir: { type: 'string' },
      'control-planes': { type: 'string' },
      workers: { type: 'string' },
      lbs: { type: 'string' },
      'ready-delay': { type: 'string' },
      os: { type: 'string' },
    },
    USAGE,
  );
  const dir = requireDir(values.dir);
  if (values.os !== undefined && values.os !== 'p10' && values.os !== 'c10f') throw usageError(`--os must be p10 or c10f, got "${values.os}"`, USAGE);
  const { startLab } = await loadLab();
  const lab = await startLab({
    dir,
    controlPlanes: count(values['control-planes'], 'control-planes'),
    workers: count(values.workers, 'workers'),
    lbs: count(values.lbs, 'lbs'),
    readyDelayMs: count(values['ready-delay'], 'ready-delay'),
    ...(values.os ? { os: values.os } : {}),
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

async function down(args: string[]): Promise<number> {
  const { values } = parse(args, { dir: { type: 'string' } }, USAGE);
  const dir = requireDir(values.dir);
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

async function clock(args: string[]): Promise<number> {
  const { values } = parse(args, { dir: { type: 'string' }, advance: { type: 'string' } }, USAGE);
  const dir = requireDir(values.dir);
  const { advanceClock, labFiles, labNow, parseLabDuration } = await loadLab();
  if (!existsSync(labFiles(dir).state)) throw new PlayError(`${dir} is not a lab directory (no lab.json)`, { code: 'E_USAGE' });
  let now: number;
  if (values.advance !== undefined) {
    const ms = parseLabDuration(values.advance);
    if (ms === undefined) throw usageError(`--advance takes a duration such as 90s, 30m, 3h or 1d, got "${values.advance}"`, USAGE);
    now = advanceClock(dir, ms);
  } else now = labNow(dir);
  process.stdout.write(`lab time: ${new Date(now).toISOString()}\n`);
  return 0;
}

export const labCommand: Command = {
  name: 'lab',
  summary: 'start, stop or move the clock of simulated nodes (lab up|down|clock)',
  help: HELP,
  async run(args) {
    const [verb, ...rest] = args;
    switch (verb) {
      case 'up':
        return up(rest);
      case 'down':
        return down(rest);
      case 'clock':
        return clock(rest);
      default:
        throw usageError(verb === undefined ? 'lab needs a subcommand' : `unknown lab subcommand "${verb}"`, USAGE);
    }
  },
};

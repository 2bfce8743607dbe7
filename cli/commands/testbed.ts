// `podsec-play testbed up|down`: nodes as real Linux namespaces with real OpenSSH, haproxy and
// keepalived and a VIP that really moves (testbed/), for root on Linux. The closest a machine
// without ALT Linux gets to a real cluster; the lab (`lab up`) is the rootless, portable one.
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { parse, usageError } from '../args.js';

/** The testbed loads only when a testbed subcommand runs: `--help` stays fast. */
const loadTestbed = () => import('../../testbed/index.js');

const USAGE = `Usage:
  podsec-play testbed up --dir DIR [--control-planes N] [--workers N] [--lbs N] [--ready-delay MS]
  podsec-play testbed down --dir DIR`;

const HELP = `${USAGE}

up      As root on Linux: one node per host, each a network namespace on a Linux bridge with
        its own address in 10.213.K.0/24 (the controller is .1, the VIP .100), its own mount
        namespace (DIR/nodes/NAME bind-mounted over /etc, /var, /root, /home, /run, /tmp) and
        hostname, and a real OpenSSH sshd on ADDRESS:22. Nodes and counts as in \`lab up\`:
        the master cp-1, N more control planes (default 0), N workers (default 1), N load
        balancers (default 0; with LBs: VIP and controlPlaneEndpoint VIP:8443). podsec's
        programs, kubeadm, kubectl, rpm and systemctl are the lab's stand-ins; systemctl
        starts and stops the real sshd, haproxy and keepalived. Writes DIR/inventory.yaml,
        DIR/known_hosts and the client key DIR/id_ed25519, prints "testbed ready" and returns:
        the nodes run on until \`testbed down\`. On a DIR whose testbed is up: exit 3.
        --ready-delay: lab time between a node's join (and the CNI) and Ready (default 1000).
down    Kill every process of the nodes and delete their namespaces, veths and the bridge.
        The node files in DIR stay: a later \`up\` on it boots the same nodes again.

Then: podsec-play run PLAYBOOK -i DIR/inventory.yaml. See lab/README.md ("The testbed").`;

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
    },
    USAGE,
  );
  const dir = requireDir(values.dir);
  const { startTestbed } = await loadTestbed();
  const testbed = await startTestbed({
    dir,
    controlPlanes: count(values['control-planes'], 'control-planes'),
    workers: count(values.workers, 'workers'),
    lbs: count(values.lbs, 'lbs'),
    readyDelayMs: count(values['ready-delay'], 'ready-delay'),
  });
  for (const n of testbed.nodes) {
    process.stdout.write(`  ${n.name.padEnd(10)} ${n.role.padEnd(14)} ${n.internalAddress.padEnd(15)} netns ${n.netns}\n`);
  }
  const lbs = testbed.nodes.some((n) => n.role === 'lb');
  process.stdout.write(`bridge ${testbed.net.bridge} ${testbed.net.hostAddress}/${testbed.net.prefixLength}${lbs ? `, VIP ${testbed.net.vip}` : ''}\n`);
  process.stdout.write(`inventory: ${testbed.inventoryFile}\ntestbed ready\n`);
  return 0;
}

async function down(args: string[]): Promise<number> {
  const { values } = parse(args, { dir: { type: 'string' } }, USAGE);
  const dir = requireDir(values.dir);
  const { stopTestbed } = await loadTestbed();
  const { assertTestbedHost } = await import('../../testbed/requirements.js');
  assertTestbedHost();
  const stopped = await stopTestbed(dir);
  process.stdout.write(stopped ? `testbed in ${dir} is down\n` : `no testbed is up in ${dir}\n`);
  return 0;
}

export const testbedCommand: Command = {
  name: 'testbed',
  summary: 'start or stop nodes as Linux namespaces with real sshd, haproxy, keepalived (root)',
  help: HELP,
  async run(args) {
    const [verb, ...rest] = args;
    switch (verb) {
      case 'up':
        return up(rest);
      case 'down':
        return down(rest);
      default:
        throw usageError(verb === undefined ? 'testbed needs a subcommand' : `unknown testbed subcommand "${verb}"`, USAGE);
    }
  },
};

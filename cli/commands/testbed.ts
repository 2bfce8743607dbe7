// `podsec-play testbed up|down`: nodes as real Linux namespaces with real OpenSSH, haproxy and
// keepalived and a VIP that really moves (testbed/), for root on Linux. The closest a machine
// without ALT Linux gets to a real cluster; the lab (`lab up`) is the rootless, portable one.
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { exits, newCommand, type Command } from '../command.js';
import { standinsOption } from '../resources.js';

/** The testbed loads only when a testbed subcommand runs: `--help` stays fast. */
const loadTestbed = () => import('../../testbed/index.js');

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
}

async function up(flags: UpFlags): Promise<number> {
  const { startTestbed } = await loadTestbed();
  const testbed = await startTestbed({
    dir: resolve(flags.dir),
    controlPlanes: flags.controlPlanes,
    workers: flags.workers,
    lbs: flags.lbs,
    readyDelayMs: flags.readyDelay,
    ...standinsOption(),
  });
  for (const n of testbed.nodes) {
    process.stdout.write(`  ${n.name.padEnd(10)} ${n.role.padEnd(14)} ${n.internalAddress.padEnd(15)} netns ${n.netns}\n`);
  }
  const lbs = testbed.nodes.some((n) => n.role === 'lb');
  process.stdout.write(`bridge ${testbed.net.bridge} ${testbed.net.hostAddress}/${testbed.net.prefixLength}${lbs ? `, VIP ${testbed.net.vip}` : ''}\n`);
  process.stdout.write(`inventory: ${testbed.inventoryFile}\ntestbed ready\n`);
  return 0;
}

async function down(flags: { dir: string }): Promise<number> {
  const dir = resolve(flags.dir);
  const { stopTestbed } = await loadTestbed();
  const { assertTestbedHost } = await import('../../testbed/requirements.js');
  assertTestbedHost();
  const stopped = await stopTestbed(dir);
  process.stdout.write(stopped ? `testbed in ${dir} is down\n` : `no testbed is up in ${dir}\n`);
  return 0;
}

export function testbedCommand(): Command {
  const testbed = newCommand('testbed')
    .summary('start or stop nodes as Linux namespaces with real sshd, haproxy, keepalived (root)')
    .description(
      'Nodes as Linux namespaces on a bridge (root, Linux): a real OpenSSH sshd in each, real haproxy and keepalived on the load balancers, a VIP that really moves; podsec\'s programs, kubeadm, kubectl, rpm and systemctl are the lab\'s stand-ins. See lab/README.md ("The testbed").',
    )
    .addHelpText('after', '\nThen: podsec-play run PLAYBOOK -i DIR/inventory.yaml.');
  testbed
    .command('up')
    .summary('start namespace nodes and return once their sshd answers')
    .description(
      'One node per host, as in `lab up` (the master cp-1, N more control planes, N workers, N load balancers): each a network namespace on the Linux bridge pptbK with its own address in 10.213.K.0/24 (the controller .1, the VIP .100, nodes from .11), its own mount namespace (DIR/nodes/NAME bind-mounted over /etc, /var, /root, /home, /run, /tmp) and hostname, and a real sshd on ADDRESS:22. The stand-in systemctl starts and stops the real sshd, haproxy and keepalived. Writes DIR/inventory.yaml, DIR/known_hosts and the client key DIR/id_ed25519, prints "testbed ready" and returns: the nodes run on until `testbed down`. On a DIR whose testbed is up: exit 3. On a DIR brought down before, the same nodes boot again.',
    )
    .requiredOption('--dir <dir>', 'where the testbed keeps its files')
    .option('--control-planes <n>', 'control planes besides the master (default 0)', count('control-planes'))
    .option('--workers <n>', 'workers (default 1)', count('workers'))
    .option('--lbs <n>', 'load balancers (default 0)', count('lbs'))
    .option('--ready-delay <ms>', "lab time between a node's join (and the CNI) and Ready (default 1000)", count('ready-delay'))
    .action(exits(up));
  testbed
    .command('down')
    .summary('remove every namespace, link and process of the testbed in DIR')
    .description("Kill every process of the nodes and delete their namespaces, veths and the bridge (by the names in DIR/testbed.json). The node files in DIR stay: a later `up` boots the same nodes again.")
    .requiredOption('--dir <dir>', 'where the testbed keeps its files')
    .action(exits(down));
  return testbed;
}

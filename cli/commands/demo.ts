// `podsec-play demo`: the embedded default. Starts a lab in a temporary directory (1 master,
// 2 more control planes, 2 load balancers, 3 workers), runs playbooks/ha-cluster.yaml against
// it with the normal output, and proves the result: the kubeconfig on the controller, nodes
// Ready through the API with it, SSH closed on every node.
import { EXIT } from '../../engine/errors.js';
import { parse, usageError } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: podsec-play demo [--dir DIR] [--plain|--json] [--keep-lab]

Starts simulated nodes (in-process SSH servers on 127.0.0.1, no root needed): the master cp-1,
control planes cp-2 and cp-3, load balancers lb-1 and lb-2, workers worker-1..3. Then runs
playbooks/ha-cluster.yaml against them exactly as against real hosts — policy, registry, image
signing, kubeadm init, policy copies, control planes joined one at a time, workers in parallel,
haproxy + keepalived, flannel, Ready, the admin kubeconfig fetched to DIR/lab.kubeconfig, and
SSH turned off on every node — and prints a summary: nodes Ready through the Kubernetes API with
that kubeconfig, and what to type next (kubectl --kubeconfig DIR/lab.kubeconfig get nodes).

Options:
      --dir DIR     where the lab lives (default: a new temporary directory, kept afterwards)
      --plain       plain lines even on a terminal
      --json        JSON events on stdout (the summary goes to stderr)
      --keep-lab    keep the lab serving after the run (until Ctrl-C)
  -h, --help        this help`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'start a lab and provision an HA cluster on it, end to end (the embedded default)',
  help: usage,
  async run(args) {
    const { values, positionals } = parse(
      args,
      { dir: { type: 'string' }, plain: { type: 'boolean' }, json: { type: 'boolean' }, 'keep-lab': { type: 'boolean' } },
      usage,
    );
    if (positionals.length > 0) throw usageError('demo takes no arguments', usage);
    const { runDemo } = await import('../demo/run-demo.js');
    const code = await runDemo({
      ...(values.dir ? { dir: values.dir } : {}),
      mode: values.json ? 'json' : values.plain ? 'plain' : 'auto',
      keepLab: values['keep-lab'] === true,
    });
    return code ?? EXIT.ok;
  },
};

// `podsec-play demo`: the embedded default. Starts a lab in a temporary directory (1 master,
// 2 more control planes, 2 load balancers, 3 workers), runs playbooks/ha-cluster.yaml against
// it with the normal output, and proves the result: the kubeconfig on the controller, nodes
// Ready through the API with it, SSH closed on every node.
import { EXIT } from '../../engine/errors.js';
import { exits, newCommand, type Command } from '../command.js';
import { reporterMode } from '../output-options.js';

export function demoCommand(): Command {
  return newCommand('demo')
    .summary('start a lab and provision an HA cluster on it, end to end (the embedded default)')
    .description(
      'Starts simulated nodes (in-process SSH servers on 127.0.0.1, no root needed): the master cp-1, control planes cp-2 and cp-3, load balancers lb-1 and lb-2, workers worker-1..3. Then runs playbooks/ha-cluster.yaml against them exactly as against real hosts — policy, registry, image signing, kubeadm init, policy copies, control planes joined one at a time, workers in parallel, haproxy + keepalived, flannel, Ready, the admin kubeconfig fetched to DIR/lab.kubeconfig, and SSH turned off on every node — and prints a summary: nodes Ready through the Kubernetes API with that kubeconfig, and what to type next (kubectl --kubeconfig DIR/lab.kubeconfig get nodes).',
    )
    .option('--dir <dir>', 'where the lab lives (default: a new temporary directory, kept afterwards)')
    .option('--plain', 'plain lines even on a terminal')
    .option('--json', 'JSON events on stdout (the summary goes to stderr)')
    .option('--keep-lab', 'keep the lab serving after the run (until Ctrl-C)')
    .action(
      exits(async (flags: { dir?: string; plain?: boolean; json?: boolean; keepLab?: boolean }) => {
        const mode = reporterMode(flags);
        const { runDemo } = await import('../demo/run-demo.js');
        const code = await runDemo({ ...(flags.dir ? { dir: flags.dir } : {}), mode, keepLab: flags.keepLab === true });
        return code ?? EXIT.ok;
      }),
    );
}

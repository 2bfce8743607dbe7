// The Ansible row: the same trivial task (`true`) N and 2N times on the same real sshd host,
// with the settings that make Ansible fastest over SSH (pipelining, ControlPersist, no fact
// gathering). Measured only where `ansible-playbook` is installed; CI does not need it.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Timed } from './measure.js';

export function findAnsible(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'ansible-playbook'), constants.X_OK);
      return join(dir, 'ansible-playbook');
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface AnsibleTarget {
  address: string;
  port: number;
  keyFile: string;
  knownHosts: string;
}

/** Files for `tasks` tasks against the target; returns the command line's pieces. */
export function ansibleSetup(dir: string, target: AnsibleTarget, tasks: number): { playbook: string; inventory: string; env: NodeJS.ProcessEnv } {
  const home = join(dir, 'ansible-home');
  mkdirSync(home, { recursive: true });
  const cfg = join(dir, 'ansible.cfg');
  writeFileSync(
    cfg,
    [
      '[defaults]',
      'gathering = explicit',
      'host_key_checking = True',
      'interpreter_python = /usr/bin/python3',
      'stdout_callback = null',
      'forks = 5',
      '[ssh_connection]',
      'pipelining = True',
      `ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${target.knownHosts}`,
      `control_path = ${join(dir, 'cp-%%h-%%p')}`,
      '',
    ].join('\n'),
  );
  const inventory = join(dir, 'hosts.ini');
  writeFileSync(inventory, `bench ansible_host=${target.address} ansible_port=${target.port} ansible_user=root ansible_ssh_private_key_file=${target.keyFile}\n`);
  const playbook = join(dir, `tasks-${tasks}.yaml`);
  const list = Array.from({ length: tasks }, (_, i) => `    - name: t${i}\n      command: /bin/true\n`).join('');
  writeFileSync(playbook, `- hosts: all\n  gather_facts: false\n  tasks:\n${list}`);
  return { playbook, inventory, env: { ...process.env, ANSIBLE_CONFIG: cfg, ANSIBLE_HOME: home, ANSIBLE_LOCAL_TEMP: join(home, 'tmp') } };
}

export function timeAnsible(bin: string, playbook: string, inventory: string, env: NodeJS.ProcessEnv): Promise<Timed> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-i', inventory, playbook], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ansible-playbook exited ${code}:\n${stderr}`));
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

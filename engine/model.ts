// The validated model: what the loader produces from YAML and what the planner consumes.
// Plain JSON data only (no classes), so it hashes, journals and crosses processes as is.

export type TransportKind = 'ssh' | 'local';

export interface SshSettings {
  /** Private key file (OpenSSH format). `~` is expanded. */
  identityFile?: string;
  /** Name of the secret that holds the key's passphrase. */
  passphraseSecret?: string;
  /** Name of the secret that holds the login password (password auth). */
  passwordSecret?: string;
  /** known_hosts file to check host keys against (default: ~/.ssh/known_hosts). */
  knownHosts?: string;
  /** Jump hosts, outermost first: `user@host:port` or an inventory host name. */
  proxyJump?: string[];
  /** Use ssh-agent (SSH_AUTH_SOCK) when set; default true when the variable exists. */
  agent?: boolean;
  /** Connect timeout in ms. */
  connectTimeoutMs?: number;
}

export interface Host {
  name: string;
  /** Where the controller connects (SSH or nothing for local). */
  address: string;
  /** The node's cluster address (kubeadm advertise address, haproxy backends). Default: address. */
  internalAddress: string;
  port: number;
  user: string;
  roles: string[];
  vars: Record<string, unknown>;
  transport: TransportKind;
  /** Run commands through `sudo -n` (or with the password secret) when the user is not root. */
  sudo?: boolean;
  /** Name of the secret that holds the sudo password. */
  sudoPasswordSecret?: string;
  ssh?: SshSettings;
  /** Keep SSH on for this host even when the playbook ends with disable-ssh. */
  keepSsh?: boolean;
}

export interface Cluster {
  name: string;
  kubeVersion?: string;
  registry?: string;
  platform?: string;
  /** `VIP:8443` for HA; empty for a single master (its internalAddress:6443). */
  controlPlaneEndpoint?: string;
  /** The virtual IP keepalived holds (HA). */
  vip?: string;
  /** Keep SSH on for every host (clusters not meant to be sealed). */
  keepSsh?: boolean;
  /** Where the controller keeps the admin kubeconfig (relative to the inventory). */
  kubeconfig?: string;
  [key: string]: unknown;
}

export interface Inventory {
  /** Absolute path of the file it was loaded from. */
  file: string;
  cluster: Cluster;
  hosts: Host[];
  /** Defaults applied to every host's ssh settings. */
  ssh?: SshSettings;
  /** A file (outside the inventory) with secrets, `NAME: value` YAML. Relative to the inventory. */
  secretsFile?: string;
  /** Inline secrets: only for throwaway lab inventories. Environment values win. */
  secrets?: Record<string, string>;
}

export interface RetrySpec {
  attempts: number; // total attempts, >= 1
  delayMs: number; // wait before the 2nd attempt
  backoff: number; // multiplier per further attempt
  maxDelayMs: number;
}

export interface StepSpec {
  id: string;
  uses: string;
  name?: string;
  with: Record<string, unknown>;
  retry: RetrySpec;
  timeoutMs: number | undefined;
  /** Run only when this expression is truthy (evaluated on the host). */
  when?: string;
  /** Where the step was written: `file:line:col`, for messages. */
  at: string;
}

export interface PhaseSpec {
  name: string;
  /** Roles, host names, or "all". */
  hosts: string[];
  concurrency: number | undefined;
  serial: boolean;
  /** Leave out hosts whose SSH an earlier run turned off (their steps are skipped, reason sealed). */
  skipSealed: boolean;
  steps: StepSpec[];
  at: string;
}

export interface Playbook {
  file: string;
  name: string;
  description?: string;
  vars: Record<string, unknown>;
  phases: PhaseSpec[];
}

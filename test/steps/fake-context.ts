// A fake StepContext for the podsec step kinds: recording transports that answer commands from
// a script (first matching rule wins), in-memory files, and a record of secrets and logs.
import { createHash } from 'node:crypto';
import type { Host, Inventory } from '../../engine/model.js';
import { Masker } from '../../engine/secrets/masker.js';
import type { ExecOptions, ExecResult, Transport, UploadOptions, UploadResult } from '../../engine/transport/types.js';
import type { HostFacts, StepContext } from '../../engine/step-kind.js';
import { healthyFacts } from '../helpers/facts.js';

export interface Call {
  host: string;
  command: string;
  options: ExecOptions;
  /** Through ctx.exec/ctx.run (shown as step events) rather than a transport directly. */
  viaContext: boolean;
}

export type Reply = Partial<Pick<ExecResult, 'exitCode' | 'stdout' | 'stderr' | 'timedOut'>>;
export type Rule = [RegExp | string, Reply | ((command: string, options: ExecOptions) => Reply)];

export class FakeTransport implements Transport {
  readonly files = new Map<string, Buffer>();
  rules: Rule[] = [];
  constructor(
    readonly host: string,
    private readonly calls: Call[],
  ) {}

  on(match: RegExp | string, reply: Rule[1]): this {
    this.rules.push([match, reply]);
    return this;
  }

  /** Put a rule in front of the others (later behaviour of the same command). */
  first(match: RegExp | string, reply: Rule[1]): this {
    this.rules.unshift([match, reply]);
    return this;
  }

  write(path: string, content: string | Buffer): this {
    this.files.set(path, Buffer.from(content));
    return this;
  }

  async exec(command: string, options: ExecOptions = {}, viaContext = false): Promise<ExecResult> {
    this.calls.push({ host: this.host, command, options, viaContext });
    const builtin = this.builtin(command);
    const rule = this.rules.find(([m]) => (typeof m === 'string' ? command === m : m.test(command)));
    const reply: Reply = rule ? (typeof rule[1] === 'function' ? rule[1](command, options) : rule[1]) : (builtin ?? { exitCode: 0 });
    const stdout = reply.stdout ?? '';
    for (const line of stdout.split('\n').filter(Boolean)) options.onLine?.(line, 'stdout');
    return {
      command,
      exitCode: reply.timedOut ? undefined : (reply.exitCode ?? 0),
      signal: undefined,
      stdout,
      stderr: reply.stderr ?? '',
      durationMs: 1,
      timedOut: reply.timedOut ?? false,
    };
  }

  /** `test -e|-f PATH` and `cat > PATH` against the in-memory files, unless a rule says otherwise. */
  private builtin(command: string): Reply | undefined {
    const t = /^test -[ef] '?([^' ]+)'?$/.exec(command);
    if (t) return { exitCode: this.files.has(t[1] as string) ? 0 : 1 };
    return undefined;
  }

  async upload(o: UploadOptions): Promise<UploadResult> {
    const content = Buffer.from(o.content);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const before = this.files.get(o.path);
    this.calls.push({ host: this.host, command: `<upload ${o.path} mode ${(o.mode ?? 0o644).toString(8)}>`, options: {}, viaContext: false });
    if (before && before.equals(content)) return { changed: false, sha256 };
    this.files.set(o.path, content);
    return { changed: true, sha256 };
  }

  async download(path: string): Promise<Buffer> {
    const f = this.files.get(path);
    if (!f) throw new Error(`no such file ${path}`);
    return f;
  }

  async close(): Promise<void> {}
}

export interface FakeWorld {
  ctx: StepContext;
  calls: Call[];
  secrets: string[];
  logs: string[];
  masker: Masker;
  transports: Map<string, FakeTransport>;
  self: FakeTransport;
  on(host: string): FakeTransport;
  /** The seal ledger's journal: hosts the seal command was recorded as sent to. */
  sealSent: Set<string>;
}

export function host(name: string, roles: string[], extra: Partial<Host> = {}): Host {
  const n = Number(/([0-9]+)$/.exec(name)?.[1] ?? 1);
  return {
    name,
    address: '127.0.0.1',
    internalAddress: `10.0.${roles.includes('worker') ? 2 : roles.includes('lb') ? 3 : 1}.${n}`,
    port: 40000 + n,
    user: 'root',
    roles,
    vars: {},
    transport: 'ssh',
    ...extra,
  };
}

export function haInventory(): Inventory {
  return {
    file: '/x/inventory.yaml',
    cluster: {
      name: 'lab',
      kubeVersion: 'v1.28.3',
      registry: 'registry.local',
      platform: 'p10',
      vip: '10.0.3.100',
      controlPlaneEndpoint: '10.0.3.100:8443',
    },
    hosts: [
      host('lb-1', ['lb']),
      host('lb-2', ['lb']),
      host('cp-1', ['master']),
      host('cp-2', ['control-plane']),
      host('cp-3', ['control-plane']),
      host('worker-1', ['worker']),
      host('worker-2', ['worker']),
    ],
  };
}

export function singleInventory(): Inventory {
  return {
    file: '/x/inventory.yaml',
    cluster: { name: 'one', kubeVersion: 'v1.28.3', registry: 'registry.local', platform: 'p10' },
    hosts: [host('cp-1', ['master']), host('worker-1', ['worker'])],
  };
}

export function fakeWorld(inventory: Inventory, hostName: string, o: { attempt?: number; keepSsh?: boolean; kubeconfigFile?: string; facts?: Record<string, HostFacts> } = {}): FakeWorld {
  const calls: Call[] = [];
  const sealSent = new Set<string>();
  const secrets: string[] = [];
  const logs: string[] = [];
  const masker = new Masker();
  const transports = new Map<string, FakeTransport>();
  for (const h of inventory.hosts) transports.set(h.name, new FakeTransport(h.name, calls));
  const h = inventory.hosts.find((x) => x.name === hostName);
  if (!h) throw new Error(`no host ${hostName}`);
  const self = transports.get(hostName) as FakeTransport;
  const run = async (command: string, options?: ExecOptions): Promise<ExecResult> => {
    const r = await self.exec(command, options, true);
    if (r.exitCode !== 0) {
      const { CommandError } = await import('../../engine/errors.js');
      throw new CommandError(r, { host: hostName });
    }
    return r;
  };
  const ctx: StepContext = {
    host: h,
    inventory,
    cluster: inventory.cluster,
    key: `phase/${hostName}/step`,
    attempt: o.attempt ?? 1,
    keepSsh: o.keepSsh ?? false,
    kubeconfigFile: o.kubeconfigFile ?? '/nonexistent/test.kubeconfig',
    signal: new AbortController().signal,
    transport: self,
    transportFor: async (name) => {
      const t = transports.get(name);
      if (!t) throw new Error(`no host ${name}`);
      return t;
    },
    hostsWithRole: (role) => inventory.hosts.filter((x) => x.roles.includes(role)),
    outputsOf: () => undefined,
    // Every host holds its internal address on ens3 unless the test says otherwise.
    facts: o.facts?.[hostName] ?? healthyFacts({ hostname: hostName, address: h.internalAddress }),
    factsOf: (name) => {
      const other = inventory.hosts.find((x) => x.name === name);
      return o.facts?.[name] ?? (other ? healthyFacts({ hostname: name, address: other.internalAddress }) : undefined);
    },
    exec: (command, options) => self.exec(command, options, true),
    run,
    upload: (u) => self.upload(u),
    download: (p) => self.download(p),
    seal: {
      recordCommandSent: () => {
        sealSent.add(hostName);
        calls.push({ host: hostName, command: '<journal: seal command sent>', options: {}, viaContext: false });
      },
      commandSent: () => (sealSent.has(hostName) ? { runId: 'earlier-run', at: '2026-01-01T00:00:00.000Z' } : undefined),
    },
    secret: (v) => {
      secrets.push(v);
      masker.add(v);
    },
    log: (m) => logs.push(masker.mask(m)),
    note: (m) => logs.push(masker.mask(m)),
  };
  return { ctx, calls, secrets, logs, masker, transports, self, on: (n) => transports.get(n) as FakeTransport, sealSent };
}

/** What a reporter would show of the commands: every command line, through the masker. */
export function shownCommands(w: FakeWorld): string[] {
  return w.calls.map((c) => w.masker.mask(c.command));
}

export const TOKEN = 'abcdef.0123456789abcdef';
export const CA_HEX = 'a'.repeat(64);
export const CERT_KEY = 'b'.repeat(63) + 'c';

export function joinOutput(o: { endpoint: string; controlPlane?: boolean }): string {
  return [
    'Your Kubernetes control-plane has initialized successfully!',
    '',
    'You can now join any number of the control-plane node running the following command on each as root:',
    '',
    `  kubeadm join ${o.endpoint} --token ${TOKEN} \\`,
    `\t--discovery-token-ca-cert-hash sha256:${CA_HEX} \\`,
    `\t--control-plane --certificate-key ${CERT_KEY}`,
    '',
    'Then you can join any number of worker nodes by running the following on each as root:',
    '',
    `kubeadm join ${o.endpoint} --token ${TOKEN} \\`,
    `\t--discovery-token-ca-cert-hash sha256:${CA_HEX} `,
    '',
  ].join('\n');
}

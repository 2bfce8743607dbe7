// Builds the StepContext a kind's check/run receives: this host's transport, other hosts'
// transports, earlier outputs, and exec/run that stream output lines as events. One is made for
// every check and every run, so it is a plain object of a class (its methods shared, the seal
// ledger made only when a sealing kind asks for it), not a bundle of fresh closures.
import { CommandError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { HostFacts } from '../facts/types.js';
import type { Cluster, Host, Inventory } from '../model.js';
import type { PlannedStep } from '../plan/types.js';
import type { Masker } from '../secrets/masker.js';
import type { TransportPool } from '../transport/pool.js';
import type { ExecOptions, ExecResult, Transport, UploadOptions, UploadResult } from '../transport/types.js';
import type { SealLedger, StepContext } from '../step-kind.js';

export interface StepContextDeps {
  inventory: Inventory;
  pool: TransportPool;
  bus: EventBus;
  masker: Masker;
  keepSsh: boolean;
  kubeconfigFile: string;
  outputsOf(hostName: string, stepId: string): Record<string, string> | undefined;
  sealLedger(host: Host): SealLedger;
  factsOf(hostName: string): HostFacts | undefined;
}

/** The inventory's hosts by name, made once per inventory. */
const hostsByName = new WeakMap<Inventory, Map<string, Host>>();

export function inventoryHost(inventory: Inventory, name: string): Host {
  let byName = hostsByName.get(inventory);
  if (!byName) hostsByName.set(inventory, (byName = new Map(inventory.hosts.map((h) => [h.name, h]))));
  return byName.get(name)!;
}

export function createStepContext(deps: StepContextDeps, step: PlannedStep, attempt: number, signal: AbortSignal): StepContext {
  return new HostStepContext(deps, step, attempt, signal);
}

class HostStepContext implements StepContext {
  readonly host: Host;
  readonly key: string;
  readonly keepSsh: boolean;
  private ledger: SealLedger | undefined;

  constructor(
    private readonly deps: StepContextDeps,
    private readonly step: PlannedStep,
    readonly attempt: number,
    readonly signal: AbortSignal,
  ) {
    this.host = inventoryHost(deps.inventory, step.host);
    this.key = step.key;
    this.keepSsh = deps.keepSsh || deps.inventory.cluster.keepSsh === true || this.host.keepSsh === true;
  }

  get inventory(): Inventory {
    return this.deps.inventory;
  }

  get cluster(): Cluster {
    return this.deps.inventory.cluster;
  }

  get kubeconfigFile(): string {
    return this.deps.kubeconfigFile;
  }

  get transport(): Transport {
    return this.deps.pool.get(this.host.name);
  }

  get facts(): HostFacts | undefined {
    return this.deps.factsOf(this.host.name);
  }

  get seal(): SealLedger {
    return (this.ledger ??= this.deps.sealLedger(this.host));
  }

  async transportFor(name: string): Promise<Transport> {
    return this.deps.pool.get(name);
  }

  hostsWithRole(role: string): Host[] {
    return this.deps.inventory.hosts.filter((h) => h.roles.includes(role));
  }

  outputsOf(hostName: string, stepId: string): Record<string, string> | undefined {
    return this.deps.outputsOf(hostName, stepId);
  }

  factsOf(hostName: string): HostFacts | undefined {
    return this.deps.factsOf(hostName);
  }

  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.transport.exec(command, this.withDefaults(options));
  }

  async run(command: string, options?: ExecOptions): Promise<ExecResult> {
    const result = await this.transport.exec(command, this.withDefaults(options));
    if (result.exitCode !== 0 || result.timedOut) throw new CommandError(result, { host: this.host.name });
    return result;
  }

  upload(options: UploadOptions): Promise<UploadResult> {
    return this.transport.upload({ ...(this.host.sudo ? { sudo: true } : {}), ...options, signal: this.signal });
  }

  download(path: string): Promise<Buffer> {
    return this.transport.download(path, { signal: this.signal, ...(this.host.sudo ? { sudo: true } : {}) });
  }

  secret(value: string): void {
    this.deps.masker.add(value);
  }

  log(message: string): void {
    this.deps.bus.emit({ type: 'log', level: 'info', message, host: this.host.name });
  }

  note(message: string): void {
    this.deps.bus.emit({ type: 'note', message, host: this.host.name });
  }

  private withDefaults(options: ExecOptions | undefined): ExecOptions {
    const { step, deps } = this;
    return {
      ...(this.host.sudo ? { sudo: true } : {}),
      ...options,
      signal: options?.signal ? AbortSignal.any([this.signal, options.signal]) : this.signal,
      // The kind sees each line first, so it can register a secret it spots before the line
      // becomes an event (which the bus then masks).
      onLine: (line, stream) => {
        options?.onLine?.(line, stream);
        deps.bus.emit({ type: 'step.output', phase: step.phase, host: step.host, step: step.id, uses: step.uses, title: step.title, stream, line });
      },
      // The step's deferred events are written while the command runs.
      onStarted: () => {
        options?.onStarted?.();
        deps.bus.flush();
      },
    };
  }
}

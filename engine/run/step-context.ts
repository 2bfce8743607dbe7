// Builds the StepContext a kind's check/run receives: this host's transport, other hosts'
// transports, earlier outputs, and exec/run that stream output lines as events.
import { CommandError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { HostFacts } from '../facts/types.js';
import type { Host, Inventory } from '../model.js';
import type { PlannedStep } from '../plan/types.js';
import type { Masker } from '../secrets/masker.js';
import type { TransportPool } from '../transport/pool.js';
import type { ExecOptions } from '../transport/types.js';
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

export function createStepContext(deps: StepContextDeps, step: PlannedStep, attempt: number, signal: AbortSignal): StepContext {
  const host = deps.inventory.hosts.find((h) => h.name === step.host)!;
  const ref = { phase: step.phase, host: step.host, step: step.id, uses: step.uses, title: step.title };
  const withDefaults = (options: ExecOptions | undefined): ExecOptions => ({
    ...(host.sudo ? { sudo: true } : {}),
    ...options,
    signal: options?.signal ? AbortSignal.any([signal, options.signal]) : signal,
    // The kind sees each line first, so it can register a secret it spots before the line
    // becomes an event (which the bus then masks).
    onLine: (line, stream) => {
      options?.onLine?.(line, stream);
      deps.bus.emit({ type: 'step.output', ...ref, stream, line });
    },
  });
  const transport = () => deps.pool.get(host.name);
  const ctx: StepContext = {
    host,
    inventory: deps.inventory,
    cluster: deps.inventory.cluster,
    key: step.key,
    attempt,
    signal,
    keepSsh: deps.keepSsh || deps.inventory.cluster.keepSsh === true || host.keepSsh === true,
    kubeconfigFile: deps.kubeconfigFile,
    get transport() {
      return transport();
    },
    async transportFor(name) {
      return deps.pool.get(name);
    },
    hostsWithRole(role): Host[] {
      return deps.inventory.hosts.filter((h) => h.roles.includes(role));
    },
    outputsOf: (hostName, stepId) => deps.outputsOf(hostName, stepId),
    facts: deps.factsOf(host.name),
    factsOf: (hostName) => deps.factsOf(hostName),
    exec: (command, options) => transport().exec(command, withDefaults(options)),
    async run(command, options) {
      const result = await transport().exec(command, withDefaults(options));
      if (result.exitCode !== 0 || result.timedOut) throw new CommandError(result, { host: host.name });
      return result;
    },
    upload: (options) => transport().upload({ ...(host.sudo ? { sudo: true } : {}), ...options, signal }),
    download: (path) => transport().download(path, { signal, ...(host.sudo ? { sudo: true } : {}) }),
    seal: deps.sealLedger(host),
    secret: (value) => deps.masker.add(value),
    log: (message) => deps.bus.emit({ type: 'log', level: 'info', message, host: host.name }),
    note: (message) => deps.bus.emit({ type: 'note', message, host: host.name }),
  };
  return ctx;
}

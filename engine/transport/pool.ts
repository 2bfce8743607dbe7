// One transport per host, opened on first use and reused by every step; hosts whose SSH an
// earlier run turned off are refused with a clear message instead of a connection error.
import { PlayError } from '../errors.js';
import type { SealRegistry } from '../journal/seal-registry.js';
import { sealedMessage } from '../plan/sealed-refusals.js';
import type { Host, Inventory } from '../model.js';
import type { SecretSource } from '../secrets/store.js';
import { LocalTransport } from './local.js';
import type { Transport } from './types.js';

export interface PoolOptions {
  inventory: Inventory;
  secrets: SecretSource;
  seals: SealRegistry;
  acceptNewHostKeys: boolean;
  /** The run's abort signal: Ctrl-C also stops connection attempts in flight. */
  signal?: AbortSignal;
  onLog?: (host: string, message: string) => void;
  /** What to do instead of SSH on a sealed host (said when one is refused). */
  sealedHint?: string;
  /** Opens an SSH transport (injected so the pool does not import ssh2 for local runs/tests). */
  openSsh: (host: Host, inventory: Inventory, options: SshFactoryOptions) => Transport;
}

export interface SshFactoryOptions {
  secrets: SecretSource;
  acceptNewHostKeys: boolean;
  inventoryHosts: Host[];
  inventoryDir: string;
  signal?: AbortSignal;
  onLog?: (message: string) => void;
}

export class TransportPool {
  private readonly open = new Map<string, Transport>();

  constructor(
    private readonly options: PoolOptions,
    private readonly inventoryDir: string,
  ) {}

  get(hostName: string): Transport {
    const existing = this.open.get(hostName);
    if (existing) return existing;
    const host = this.options.inventory.hosts.find((h) => h.name === hostName);
    if (!host) throw new PlayError(`no host named "${hostName}" in the inventory`, { code: 'E_STEP', host: hostName });
    const transport = host.transport === 'local' ? new LocalTransport(host.name) : this.sealedCheck(host) ?? this.openSsh(host);
    this.open.set(hostName, transport);
    return transport;
  }

  /** Forget a host's transport (after its SSH was turned off). */
  async drop(hostName: string): Promise<void> {
    const t = this.open.get(hostName);
    this.open.delete(hostName);
    await t?.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(all.map((t) => t.close()));
  }

  private sealedCheck(host: Host): undefined {
    const seal = this.options.seals.find(host);
    if (seal) {
      throw new PlayError(`${host.name}: not connecting. ${sealedMessage(host, seal, this.options.sealedHint)}`, { code: 'E_SEALED', host: host.name, retryable: false });
    }
    return undefined;
  }

  private openSsh(host: Host): Transport {
    return this.options.openSsh(host, this.options.inventory, {
      secrets: this.options.secrets,
      acceptNewHostKeys: this.options.acceptNewHostKeys,
      inventoryHosts: this.options.inventory.hosts,
      inventoryDir: this.inventoryDir,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      ...(this.options.onLog ? { onLog: (m: string) => this.options.onLog!(host.name, m) } : {}),
    });
  }
}

// The contract of a step kind, owned by the engine: steps/ implements it (one file per kind,
// listed in steps/index.ts) and cli/ hands the list to the engine.
import type { HostFacts } from './facts/types.js';
import type { Cluster, Host, Inventory } from './model.js';
import type { ExecOptions, ExecResult, Transport, UploadOptions, UploadResult } from './transport/types.js';

export type { HostFacts } from './facts/types.js';

export interface OutputDecl {
  name: string;
  /** Secret outputs are masked everywhere and kept only in the 0600 state file. */
  secret: boolean;
}

export interface CheckResult {
  /** True when the step's effect is already in place on this host: the step is skipped. */
  done: boolean;
  /** Why, for the event (e.g. "/etc/kubernetes/kubelet.conf exists"). */
  reason?: string;
  /** Outputs to record when done (e.g. values read back from the host). */
  outputs?: Record<string, string>;
  /** Skip it in this run only: it is not recorded as finished, so the next run checks again
   * (disable-ssh under --keep-ssh: a later run without the flag still seals). */
  deferred?: boolean;
}

export interface StepContext {
  readonly host: Host;
  readonly inventory: Inventory;
  readonly cluster: Cluster;
  /** The step's key in the plan (`phase/host/step`), its attempt number (1-based). */
  readonly key: string;
  readonly attempt: number;
  /** --keep-ssh or the inventory's keepSsh: disable-ssh must leave SSH on. */
  readonly keepSsh: boolean;
  /** The cluster's admin kubeconfig on the controller (--kubeconfig, the inventory's
   * cluster.kubeconfig, or NAME.kubeconfig beside the inventory); it may not exist yet. */
  readonly kubeconfigFile: string;
  /** Aborted on Ctrl-C, SIGTERM, or when the step passes its timeout. */
  readonly signal: AbortSignal;
  /** This host's connection (opened once, reused). */
  readonly transport: Transport;
  /** Another host's connection: the master's, to read its files or mint join material. */
  transportFor(hostName: string): Promise<Transport>;
  /** Inventory hosts that have this role, in inventory order. */
  hostsWithRole(role: string): Host[];
  /** Outputs recorded by a finished step on a host (undefined when it has not run). */
  outputsOf(hostName: string, stepId: string): Record<string, string> | undefined;
  /** This host's facts, gathered when the run started (undefined only when none could be). */
  readonly facts: HostFacts | undefined;
  /** Another host's facts: gathered by this run, or recorded by an earlier one. */
  factsOf(hostName: string): HostFacts | undefined;
  /** Run a command on this host; output lines become step.output events. Never throws on a
   * non-zero exit: see `run` for that. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit throws a CommandError naming the host and command. */
  run(command: string, options?: ExecOptions): Promise<ExecResult>;
  upload(options: UploadOptions): Promise<UploadResult>;
  download(path: string): Promise<Buffer>;
  /** Seal bookkeeping, for kinds that seal (sealsHost). */
  readonly seal: SealLedger;
  /** Register a secret value so it is masked from now on. */
  secret(value: string): void;
  /** Say something about the step's progress (an info log event naming the host). */
  log(message: string): void;
  /** Something the admin needs after the run (a `note` event, repeated in the summary). */
  note(message: string): void;
}

/**
 * What the journal knows about sealing this host. Sealing is irreversible and a port that refuses
 * connections proves nothing by itself (sshd may merely be down, or a firewall in the way): it
 * counts as this host's seal only when the seal command was sent to it, which is written ahead.
 */
export interface SealLedger {
  /** Durably record that the seal command is being sent to this host; call it right before
   * sending. Throws when the record cannot be written (then do not send). */
  recordCommandSent(): void;
  /** When this or an earlier run sent the seal command to this host at its current address
   * and port (or recorded it sealed), else undefined. */
  commandSent(): { runId: string; at: string } | undefined;
}

/** How a step uses SSH on its own host: `required` (the default: it runs commands there),
 * `optional` (it copes with a sealed host, whose transport the run refuses before connecting),
 * `none` (it speaks only to the Kubernetes API, from the controller). */
export type SshUse = 'required' | 'optional' | 'none';
/** A preflight check's answer: ok (with what it saw), or failed with the reason and the fix. */
export type PreflightVerdict = { ok: true; detail?: string } | { ok: false; reason: string; fix: string };

/** What a preflight check sees: the gathered facts (of every host), the inventory and the plan;
 * it may probe the host with read-only commands, and never changes anything. */
export interface PreflightContext {
  readonly host: Host;
  readonly inventory: Inventory;
  readonly cluster: Cluster;
  /** This host's facts. */
  readonly facts: HostFacts;
  /** Any host's facts: gathered now, or recorded by an earlier run; undefined when unknown. */
  factsOf(hostName: string): HostFacts | undefined;
  hostsWithRole(role: string): Host[];
  /** Steps of this plan using `kind` (any host), and whether each is finished already (journal). */
  planned(kind: string): { host: string; step: string; finished: boolean }[];
  /** Has this step (on this host) been attempted by an earlier run of this state? */
  readonly resuming: boolean;
  /** A read-only command on this host (or another), for what facts cannot tell (is the
   * endpoint answering?). Output is not shown; it must not change anything. */
  probe(command: string, options?: { host?: string; timeoutMs?: number }): Promise<ExecResult>;
  readonly signal: AbortSignal;
}

/**
 * A check a step kind declares next to its `run`: evaluated by `podsec-play preflight` and by
 * `run` before the first change, on every host the step would run on (steps already finished
 * are not checked). Mostly a pure function of the facts. Checks with the same `id` on one host
 * are one check (the first declared is kept): a shared check keeps one id everywhere.
 */
export interface PreflightCheck<W = Record<string, unknown>> {
  /** Stable, kebab-case: the table's row and the JSON's key (`swap-off`, `port-6443-free`). */
  readonly id: string;
  /** What it proves, for people: `swap is off`. */
  title(w: W): string;
  /** Facts to gather besides the standard ones: paths whose existence to report, and whether
   * to probe the package mirrors (a network request per mirror). */
  readonly needs?: { readonly paths?: readonly string[]; readonly apt?: boolean };
  evaluate(ctx: PreflightContext, w: W): PreflightVerdict | Promise<PreflightVerdict>;
}

// The schema object is plain JSON Schema (draft 2020-12 subset that ajv 8 understands).
export type JsonSchema = Record<string, unknown>;

export interface StepKind<W = Record<string, unknown>> {
  /** The name used in `uses:`. */
  readonly kind: string;
  readonly description: string;
  /** JSON Schema of `with:`. */
  readonly schema: JsonSchema;
  /** Fields of `with:` that are command lines: expressions in them are shell-quoted. */
  readonly shellFields?: readonly string[];
  /** Outputs the step records; a function when they depend on `with:`. */
  outputs?(w: W): OutputDecl[];
  /** Default title when the step has no `name:`. */
  title?(w: W): string;
  /** A successful run turns this host's SSH off: the journal records the seal, later runs
   * refuse to connect with a clear message, and `plan` marks the host as sealed. */
  readonly sealsHost?: boolean;
  /** For kinds that seal: where a host goes in the sealing order (lower first). A phase with
   * such a step runs one host at a time in this order, and stops at the first failed seal. */
  sealOrder?(host: Host): number;
  /** The admin's way in once SSH is off (fetching the kubeconfig, say): no host of the plan is
   * sealed before every step of such a kind has succeeded, and validation refuses a playbook
   * that seals in a phase before it. */
  readonly beforeSeal?: boolean;
  /** How the step uses SSH on its host, given its (unrendered) `with:`; default `required`.
   * A step that needs SSH on a sealed host is refused before the run starts. */
  sshUse?(w: W): SshUse;
  /** Other inventory hosts the step needs SSH on (the master it mints join material on, say),
   * given its unrendered `with:`; only names it can tell before the run. */
  sshPeers?(w: W, where: Pick<StepContext, 'host' | 'inventory'>): string[];
  /** Checks run before anything changes (`podsec-play preflight`, and `run` first). */
  readonly preflight?: readonly PreflightCheck<W>[];
  /** Is the effect already in place? Called before every attempt (resume included). */
  check?(ctx: StepContext, w: W): Promise<CheckResult>;
  /** Do it. Returns the outputs (all strings). Throw a PlayError/CommandError to fail the attempt. */
  run(ctx: StepContext, w: W): Promise<Record<string, string> | void>;
}

/** Helper so each kind file gets its `with` type checked without casts at the call site. */
export function defineStep<W>(kind: StepKind<W>): StepKind<W> {
  return kind;
}

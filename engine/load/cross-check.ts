// The cross-reference layer of validation, after syntax and schemas and before anything runs:
// unknown step kinds, each kind's `with:` schema, unknown roles or hosts, duplicate step ids,
// expressions that do not parse or cannot resolve. Every problem is reported.
import type { Diagnostic } from '../errors.js';
import { ExprSyntaxError, hasExpression, parseTemplate, type ExprSegment } from '../expr/parse.js';
import { lookup, type ExprScope } from '../expr/resolve.js';
import { factPathProblem } from '../facts/shape.js';
import type { Host, Inventory, Playbook, StepSpec } from '../model.js';
import { selectHosts, unmatchedSelectors } from '../plan/select-hosts.js';
import { secretNotSet, type SecretSource } from '../secrets/store.js';
import type { StepKind } from '../step-kind.js';
import { didYouMean } from '../util/suggest.js';
import { schemaDiagnostics } from './schema-check.js';
import { sealOrderDiagnostics } from './seal-order-check.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

export interface CrossCheckInput {
  playbook: Playbook;
  source: YamlSource;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  findKind: (kind: string) => StepKind<any> | undefined;
  knownKinds: readonly string[];
  /** Without an inventory only what the playbook alone can tell is checked. */
  inventory?: Inventory;
  inventorySource?: YamlSource;
  secrets?: SecretSource;
}

interface ExprSite {
  path: PathSegment[];
  seg: ExprSegment;
}

export function crossCheck(input: CrossCheckInput): Diagnostic[] {
  const { playbook, source, inventory } = input;
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const push = (d: Diagnostic) => {
    const id = `${d.file}:${d.line}:${d.col}:${d.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(d);
    }
  };

  // Expressions per step, parsed once (syntax errors reported here).
  const sites = new Map<StepSpec, ExprSite[]>();
  playbook.phases.forEach((phase, pi) => {
    phase.steps.forEach((step, si) => {
      const base: PathSegment[] = ['phases', pi, 'steps', si];
      const kind = input.findKind(step.uses);
      if (!kind) {
        push(source.diag([...base, 'uses'], `unknown step kind "${step.uses}"${didYouMean(step.uses, input.knownKinds)} (known: ${input.knownKinds.join(', ')})`));
      }
      const found: ExprSite[] = [];
      collectExpressions(step.with, [...base, 'with'], found, (path, err) => push(source.diagAtOffset(path, err.offset, err.message)));
      if (step.when !== undefined) collectExpressions(step.when, [...base, 'when'], found, (path, err) => push(source.diagAtOffset(path, err.offset, err.message)));
      sites.set(step, found);
      if (kind) {
        const exprPaths = new Set(found.map((s) => s.path.slice(base.length + 1).join('\u0000')));
        for (const d of schemaDiagnostics(source, step.with, kind.schema, {
          basePath: [...base, 'with'],
          label: `with (${kind.kind})`,
          ignoreValueAt: (rel) => exprPaths.has(rel.join('\u0000')),
        })) {
          push(d);
        }
      }
    });
  });

  for (const d of sealOrderDiagnostics(playbook, source, input.findKind)) push(d);

  if (!inventory) {
    checkIdsWithinPhases(playbook, source, push, () => true);
    checkExpressionsWithoutInventory(playbook, sites, source, push, () => true);
    return out;
  }

  // Hosts of each phase; unknown selectors.
  const phaseHosts = playbook.phases.map((phase, pi) => {
    for (const sel of unmatchedSelectors(phase.hosts, inventory.hosts)) {
      const idx = phase.hosts.indexOf(sel);
      const path: PathSegment[] = source.nodeAt(['phases', pi, 'hosts', idx]) ? ['phases', pi, 'hosts', idx] : ['phases', pi, 'hosts'];
      const roles = [...new Set(inventory.hosts.flatMap((h) => h.roles))];
      const suggestion = didYouMean(sel, [...roles, ...inventory.hosts.map((h) => h.name), 'all']);
      push(source.diag(path, `"${sel}" is neither a role nor a host in ${inventory.file}${suggestion} (roles: ${roles.join(', ') || 'none'}; or "all")`));
    }
    return selectHosts(phase.hosts, inventory.hosts);
  });
  if (input.secrets && input.inventorySource) {
    const used = new Set(phaseHosts.flat().map((h) => h.name));
    checkInventorySecrets(inventory, input.inventorySource, used, input.secrets, push);
  }
  // A phase that selects no host still gets the checks that need no host.
  const hostless = (pi: number) => (phaseHosts[pi]?.length ?? 0) === 0;
  checkIdsWithinPhases(playbook, source, push, hostless);
  checkExpressionsWithoutInventory(playbook, sites, source, push, hostless);

  // Duplicate ids among the steps one host runs; declared outputs in plan order.
  const declared = new Map<string, Map<string, { phase: number; outputs: Record<string, string> }>>();
  for (const host of inventory.hosts) declared.set(host.name, new Map());
  playbook.phases.forEach((phase, pi) => {
    phase.steps.forEach((step, si) => {
      for (const host of phaseHosts[pi] ?? []) {
        const mine = declared.get(host.name)!;
        const earlier = mine.get(step.id);
        if (earlier) {
          push(source.diag(['phases', pi, 'steps', si, 'id'], `duplicate step id "${step.id}": host ${host.name} already runs a step with this id`));
          continue;
        }
        checkStepExpressions(input, step, host, pi, declared, sites.get(step) ?? [], push);
        mine.set(step.id, { phase: pi, outputs: declaredOutputs(input, step) });
      }
    });
  });
  return out;
}

/** The secrets the inventory names for the hosts this playbook uses: sudo and SSH passwords, key
 * passphrases. Reported where the inventory names them. */
function checkInventorySecrets(inventory: Inventory, source: YamlSource, used: Set<string>, secrets: SecretSource, push: (d: Diagnostic) => void): void {
  const check = (name: string | undefined, path: PathSegment[], why: string) => {
    if (name !== undefined && !secrets.has(name)) push(source.diag(path, `${why}: ${secretNotSet(name)}`));
  };
  const keys = ['passphraseSecret', 'passwordSecret'] as const;
  const overSsh = inventory.hosts.filter((h) => used.has(h.name) && h.transport === 'ssh');
  for (const key of keys) {
    // The inventory-wide ssh: settings, unless every host that uses SSH names its own.
    if (overSsh.some((h) => h.ssh?.[key] === undefined)) check(inventory.ssh?.[key], ['ssh', key], `ssh.${key}`);
  }
  inventory.hosts.forEach((host, i) => {
    if (!used.has(host.name)) return;
    if (host.sudo !== false) check(host.sudoPasswordSecret, ['hosts', i, 'sudoPasswordSecret'], `host ${host.name}: sudo password`);
    if (host.transport === 'ssh') for (const key of keys) check(host.ssh?.[key], ['hosts', i, 'ssh', key], `host ${host.name}: ssh.${key}`);
  });
}

function checkStepExpressions(
  input: CrossCheckInput,
  step: StepSpec,
  host: Host,
  phaseIndex: number,
  declared: Map<string, Map<string, { phase: number; outputs: Record<string, string> }>>,
  sites: ExprSite[],
  push: (d: Diagnostic) => void,
): void {
  const inventory = input.inventory!;
  const scope: ExprScope = {
    vars: input.playbook.vars,
    cluster: inventory.cluster,
    host,
    hosts: inventory.hosts,
    outputsOf(hostName, stepId) {
      const rec = declared.get(hostName)?.get(stepId);
      if (!rec) return undefined;
      // Another host's outputs are only certain to exist when that step ran in an earlier phase.
      if (hostName !== host.name && rec.phase >= phaseIndex) return undefined;
      return rec.outputs;
    },
    secret(name) {
      if (!input.secrets) return 'unchecked';
      return input.secrets.has(name) ? 'set' : undefined;
    },
    // Facts are gathered when the run starts, like outputs: only the path is checked here.
    factsOf: () => 'at-run-time',
  };
  for (const site of sites) {
    const found = lookup(site.seg.path, scope);
    if (!found.ok) {
      const scopeNote = site.seg.path[0] === 'host' ? ` (on host ${host.name})` : '';
      push(input.source.diagAtOffset(site.path, site.seg.offset, `cannot resolve \${{ ${site.seg.source} }}: ${found.why}${scopeNote}`));
    }
  }
}

function declaredOutputs(input: CrossCheckInput, step: StepSpec): Record<string, string> {
  const kind = input.findKind(step.uses);
  const out: Record<string, string> = {};
  try {
    for (const o of kind?.outputs?.(step.with) ?? []) out[o.name] = 'declared';
  } catch {
    // A kind whose outputs depend on malformed `with:` already has a schema diagnostic.
  }
  return out;
}

function checkIdsWithinPhases(playbook: Playbook, source: YamlSource, push: (d: Diagnostic) => void, only: (phaseIndex: number) => boolean): void {
  playbook.phases.forEach((phase, pi) => {
    if (!only(pi)) return;
    const seen = new Set<string>();
    phase.steps.forEach((step, si) => {
      if (seen.has(step.id)) push(source.diag(['phases', pi, 'steps', si, 'id'], `duplicate step id "${step.id}" in phase "${phase.name}"`));
      seen.add(step.id);
    });
  });
}

// Without an inventory: the root names, vars.*, and steps.ID naming an earlier step.
function checkExpressionsWithoutInventory(
  playbook: Playbook,
  sites: Map<StepSpec, ExprSite[]>,
  source: YamlSource,
  push: (d: Diagnostic) => void,
  only: (phaseIndex: number) => boolean,
): void {
  const earlier = new Set<string>();
  for (const [pi, phase] of playbook.phases.entries()) {
    for (const step of phase.steps) {
      for (const site of only(pi) ? (sites.get(step) ?? []) : []) {
        const [root] = site.seg.path;
        let why: string | undefined;
        if (root === 'vars') {
          const r = lookup(site.seg.path, nullScope(playbook.vars));
          if (!r.ok) why = r.why;
        } else if (root === 'steps') {
          const id = site.seg.path[1];
          if (id !== undefined && !earlier.has(id)) why = `no earlier step has the id "${id}"`;
        } else if (root === 'host' || root === 'hosts' || root === 'role') {
          // Without an inventory the hosts are unknown, but a path into their facts has a shape.
          const at = root === 'host' ? 1 : 2;
          if (site.seg.path[at] === 'facts') why = factPathProblem(site.seg.path.slice(at + 1), site.seg.path.slice(0, at + 1).join('.'));
        } else if (!['cluster', 'secrets'].includes(root ?? '')) {
          why = lookup(site.seg.path, nullScope(playbook.vars)).ok ? undefined : `unknown name "${root}" (expected one of: vars, cluster, host, steps, hosts, role, secrets)`;
        }
        if (why) push(source.diagAtOffset(site.path, site.seg.offset, `cannot resolve \${{ ${site.seg.source} }}: ${why}`));
      }
      earlier.add(step.id);
    }
  }
}

function nullScope(vars: Record<string, unknown>): ExprScope {
  const host: Host = { name: '', address: '', internalAddress: '', port: 22, user: '', roles: [], vars: {}, transport: 'local' };
  return { vars, cluster: {}, host, hosts: [], outputsOf: () => undefined, secret: () => undefined, factsOf: () => 'at-run-time' };
}

function collectExpressions(
  value: unknown,
  path: PathSegment[],
  out: ExprSite[],
  onError: (path: PathSegment[], err: ExprSyntaxError) => void,
): void {
  if (typeof value === 'string') {
    if (!hasExpression(value)) return;
    try {
      for (const seg of parseTemplate(value)) if (seg.kind === 'expr') out.push({ path, seg });
    } catch (err) {
      if (err instanceof ExprSyntaxError) onError(path, err);
      else throw err;
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collectExpressions(v, [...path, i], out, onError));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectExpressions(v, [...path, k], out, onError);
  }
}

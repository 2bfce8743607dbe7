// Looks up an expression path in a scope. The same function serves validation (a scope whose
// outputs are the declared ones of earlier steps, and whose facts are known only at run time)
// and the run (outputs from the journal, facts gathered when the run started).
import { factPathProblem } from '../facts/shape.js';
import type { HostFacts } from '../facts/types.js';
import { secretNotSet } from '../secrets/store.js';
import type { Host } from '../model.js';

export interface ExprScope {
  vars: Record<string, unknown>;
  cluster: Record<string, unknown>;
  /** The host the step runs on. */
  host: Host;
  /** All inventory hosts, in inventory order. */
  hosts: readonly Host[];
  /** Outputs of a step on a host; undefined when that step has not run (or is not declared). */
  outputsOf(hostName: string, stepId: string): Record<string, string> | undefined;
  /** A secret's value; undefined when it is not set anywhere. */
  secret(name: string): string | undefined;
  /** A host's gathered facts; 'at-run-time' while validating (any path the facts can have is
   * accepted); undefined when none were gathered for that host. */
  factsOf(hostName: string): HostFacts | 'at-run-time' | undefined;
}

export type Lookup = { ok: true; value: unknown; secret: boolean } | { ok: false; why: string };

const ROOTS = ['vars', 'cluster', 'host', 'steps', 'hosts', 'role', 'secrets'];

export function lookup(path: readonly string[], scope: ExprScope): Lookup {
  const [root, ...rest] = path;
  switch (root) {
    case 'vars':
      return walk(scope.vars, rest, 'vars');
    case 'cluster':
      return walk(scope.cluster, rest, 'cluster');
    case 'host':
      return hostField(scope.host, rest, scope, 'host');
    case 'steps':
      return stepOutput(scope.host.name, rest, scope, 'steps');
    case 'hosts': {
      const [name, ...more] = rest;
      if (name === undefined) return { ok: false, why: 'hosts needs a host name: hosts.NAME.address' };
      const host = scope.hosts.find((h) => h.name === name);
      if (!host) return { ok: false, why: `no host named "${name}" in the inventory` };
      return hostField(host, more, scope, `hosts.${name}`);
    }
    case 'role': {
      const [role, ...more] = rest;
      if (role === undefined) return { ok: false, why: 'role needs a role name: role.master.address' };
      const host = scope.hosts.find((h) => h.roles.includes(role));
      if (!host) return { ok: false, why: `no host has the role "${role}"` };
      return hostField(host, more, scope, `role.${role}`);
    }
    case 'secrets': {
      const [name, ...more] = rest;
      if (name === undefined || more.length > 0) return { ok: false, why: 'secrets takes one name: secrets.NAME' };
      const value = scope.secret(name);
      if (value === undefined) return { ok: false, why: secretNotSet(name) };
      return { ok: true, value, secret: true };
    }
    default:
      return { ok: false, why: `unknown name "${root}" (expected one of: ${ROOTS.join(', ')})` };
  }
}

function hostField(host: Host, rest: string[], scope: ExprScope, label: string): Lookup {
  const [field, ...more] = rest;
  if (field === undefined) return { ok: false, why: `${label} needs a field, e.g. ${label}.address` };
  if (field === 'steps') return stepOutput(host.name, more, scope, `${label}.steps`);
  if (field === 'facts') return hostFacts(host.name, more, scope, `${label}.facts`);
  const view: Record<string, unknown> = {
    name: host.name,
    address: host.address,
    internalAddress: host.internalAddress,
    port: host.port,
    user: host.user,
    roles: host.roles,
    vars: host.vars,
    transport: host.transport,
  };
  return walk(view, rest, label);
}

function stepOutput(hostName: string, rest: string[], scope: ExprScope, label: string): Lookup {
  const [stepId, outputsWord, name, ...more] = rest;
  if (stepId === undefined || outputsWord !== 'outputs' || name === undefined || more.length > 0) {
    return { ok: false, why: `${label} must look like ${label}.ID.outputs.NAME` };
  }
  const outputs = scope.outputsOf(hostName, stepId);
  if (outputs === undefined) return { ok: false, why: `step "${stepId}" has not run on ${hostName} before this step` };
  if (!(name in outputs)) {
    const known = Object.keys(outputs);
    return { ok: false, why: `step "${stepId}" has no output "${name}"${known.length ? ` (it has: ${known.join(', ')})` : ''}` };
  }
  return { ok: true, value: outputs[name], secret: false };
}

function hostFacts(hostName: string, rest: string[], scope: ExprScope, label: string): Lookup {
  const facts = scope.factsOf(hostName);
  if (facts === 'at-run-time') {
    const problem = factPathProblem(rest, label);
    return problem ? { ok: false, why: problem } : { ok: true, value: `<${label}${rest.length ? `.${rest.join('.')}` : ''}>`, secret: false };
  }
  if (facts === undefined) return { ok: false, why: `no facts were gathered on ${hostName} (it takes no part in this run and no earlier run recorded them)` };
  return walk(facts, rest, label);
}

function walk(value: unknown, rest: string[], label: string): Lookup {
  let current = value;
  let at = label;
  for (const seg of rest) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, seg)) {
      return { ok: false, why: `${at} has no "${seg}"` };
    }
    current = (current as Record<string, unknown>)[seg];
    at = `${at}.${seg}`;
  }
  return { ok: true, value: current, secret: false };
}

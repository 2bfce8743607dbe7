// `copy-policy`: a node gets the master's image policy before it joins — policy.json,
// registries.d/default.yaml, every /var/sigstore/keys/*.pgp and the /etc/hosts line for
// registry.local — and then both sides' sha256 must agree, or the step fails.
import { createHash } from 'node:crypto';
import type { StepContext } from '../engine/step-kind.js';
import { defineStep } from '../engine/step-kind.js';
import { masterHost } from './lib/cluster-hosts.js';
import { stepError } from './lib/fail.js';
import { registryLine, withRegistryLine } from './lib/hosts-file.js';
import { masterAddress, registryRoute } from './lib/preflight-cluster.js';
import { hostRemote, readIfExists, remoteFor, selfQuiet, type Remote } from './lib/remote.js';

export interface CopyPolicyWith {
  /** Copy from this host (default: the first host with role master). */
  master?: string;
}

export const POLICY_FILES = ['/etc/containers/policy.json', '/etc/containers/registries.d/default.yaml'];
export const KEYS_DIR = '/var/sigstore/keys';
const HOSTS = '/etc/hosts';

interface PolicySet {
  /** path → content, every file the node must hold byte for byte. */
  files: Map<string, Buffer>;
  hostsLine: string;
}

export const copyPolicyStep = defineStep<CopyPolicyWith>({
  kind: 'copy-policy',
  description: "Copy the master's image policy, signer keys and registry hosts line onto this node.",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { master: { type: 'string', minLength: 1 } },
  },
  outputs: () => [{ name: 'digest', secret: false }],
  title: (w) => `copy the image policy from ${w.master ?? 'the master'}`,
  sshPeers: (w, where) => (typeof w.master === 'string' && w.master.includes('${{') ? [] : [masterHost(where, w.master).name]),
  preflight: [registryRoute((ctx) => masterAddress(ctx))],
  async check(ctx, w) {
    const master = masterHost(ctx, w.master);
    if (master.name === ctx.host.name) return { done: true, reason: 'this is the master', outputs: { digest: '' } };
    const set = await readMasterSet(ctx, await remoteFor(ctx, master.name));
    const diff = await differences(selfQuiet(ctx), set);
    return diff.length === 0
      ? { done: true, reason: `policy files identical to ${master.name}'s`, outputs: { digest: digest(set) } }
      : { done: false };
  },
  async run(ctx, w): Promise<Record<string, string>> {
    const master = masterHost(ctx, w.master);
    if (master.name === ctx.host.name) return { digest: '' };
    const set = await readMasterSet(ctx, await remoteFor(ctx, master.name));
    const node = hostRemote(ctx);
    const dirs = [...new Set([...set.files.keys()].map((p) => p.slice(0, p.lastIndexOf('/'))))];
    await node.run(`mkdir -p ${dirs.join(' ')}`, { what: 'creating the policy directories' });
    for (const [path, content] of set.files) {
      const r = await node.upload({ path, content, mode: 0o644 });
      ctx.log(`${path} ${r.changed ? 'copied' : 'already identical'}`);
    }
    const hosts = (await readIfExists(node, HOSTS))?.toString('utf8') ?? '';
    const wanted = withRegistryLine(hosts, set.hostsLine);
    if (wanted !== hosts) {
      // Written in place (cat >), not renamed over: /etc/hosts may be a bind mount.
      await node.run(`cat > ${HOSTS}`, { stdin: wanted, what: 'writing /etc/hosts' });
      ctx.log(`/etc/hosts now has "${set.hostsLine}"`);
    }
    const diff = await differences(selfQuiet(ctx), set);
    if (diff.length > 0) {
      throw stepError(ctx, `after copying, these differ from ${master.name}: ${diff.join(', ')}`, true);
    }
    return { digest: digest(set) };
  },
});

/** The master's policy files, keys and hosts line; fails clearly when secure mode is not set up there. */
async function readMasterSet(ctx: StepContext, master: Remote): Promise<PolicySet> {
  const files = new Map<string, Buffer>();
  for (const path of POLICY_FILES) {
    const content = await readIfExists(master, path);
    if (content === undefined) throw stepError(ctx, `${master.name} has no ${path}: run podsec-policy there first`);
    files.set(path, content);
  }
  const ls = await master.run(`ls -1 ${KEYS_DIR}`, { what: `listing ${KEYS_DIR}` });
  const keys = ls.stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((n) => n.endsWith('.pgp') && /^[A-Za-z0-9._@-]+$/.test(n))
    .sort();
  if (keys.length === 0) throw stepError(ctx, `${master.name} has no ${KEYS_DIR}/*.pgp: run podsec-imagemaker there first`);
  for (const k of keys) {
    const path = `${KEYS_DIR}/${k}`;
    const content = await readIfExists(master, path);
    if (content === undefined) throw stepError(ctx, `${master.name}: ${path} vanished while copying`, true);
    files.set(path, content);
  }
  const hostsLine = registryLine((await master.download(HOSTS)).toString('utf8'));
  if (!hostsLine) throw stepError(ctx, `${master.name}'s /etc/hosts names no registry.local: run podsec-policy there first`);
  return { files, hostsLine };
}

/** Paths whose sha256 differs on the node (or are missing), plus /etc/hosts when it lacks the line. */
async function differences(node: Remote, set: PolicySet): Promise<string[]> {
  const out: string[] = [];
  for (const [path, content] of set.files) {
    const there = await readIfExists(node, path);
    if (there === undefined || sha256(there) !== sha256(content)) out.push(path);
  }
  const hosts = (await readIfExists(node, HOSTS))?.toString('utf8') ?? '';
  if (withRegistryLine(hosts, set.hostsLine) !== hosts) out.push(`${HOSTS} (registry.local line)`);
  return out;
}

function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** One digest for the whole set: sha256 over `path sha256` lines and the hosts line. */
export function digest(set: PolicySet): string {
  const lines = [...set.files.entries()].map(([p, c]) => `${p} ${sha256(c)}`).sort();
  lines.push(`hosts ${set.hostsLine}`);
  return sha256(lines.join('\n'));
}

// The two ways podsec builds a cluster are sibling playbooks (README, "Two ways to build a
// cluster"): what they share must stay the same, the Internet mode must ask for no secret but
// keepalived's, and every playbook that seals switches monitoring on first.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Phase {
  name: string;
  hosts: string[];
  steps: { id: string; uses: string }[];
}
const read = (name: string): { phases: Phase[] } => parse(readFileSync(join('playbooks', name), 'utf8'));
const text = (name: string): string => readFileSync(join('playbooks', name), 'utf8');
const secretsOf = (name: string): string[] => [...new Set([...text(name).matchAll(/\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!))].sort();

const PAIRS = [
  ['cluster.yaml', 'internet-cluster.yaml'],
  ['ha-cluster.yaml', 'internet-ha-cluster.yaml'],
] as const;
/** Phases only one mode has: the secure master's signing and the policy copies; the Internet
 * mode's registry check. The master phase differs (secure: policy, services, image maker, sign). */
const SECURE_ONLY = ['master', 'policy'];
const INTERNET_ONLY = ['registry', 'master'];

describe.each(PAIRS)('%s and %s', (secure, internet) => {
  it('share every other phase, word for word and in the same order', () => {
    const s = read(secure).phases.filter((p) => !SECURE_ONLY.includes(p.name));
    const i = read(internet).phases.filter((p) => !INTERNET_ONLY.includes(p.name));
    expect(i).toEqual(s);
  });

  it('the Internet master runs the wrapper\'s init (HA: and waits for the VIP) and nothing of the secure mode', () => {
    const master = read(internet).phases.find((p) => p.name === 'master')!;
    const secureMaster = read(secure).phases.find((p) => p.name === 'master')!;
    expect(master.steps.map((s) => s.uses)).toEqual(secureMaster.steps.map((s) => s.uses).filter((u) => !['podsec-policy', 'podsec-services', 'podsec-imagemaker', 'sign-images'].includes(u)));
    expect(read(internet).phases[0]).toMatchObject({ name: 'registry', steps: [{ uses: 'public-registry' }] });
  });

  it('the Internet mode needs no secret but the VRRP password', () => {
    expect(secretsOf(internet)).toEqual(secure.startsWith('ha') ? ['VRRP_PASSWORD'] : []);
    expect(secretsOf(secure)).toEqual(expect.arrayContaining(['GPG_PASSPHRASE', 'IMAGEMAKER_PASSWORD']));
  });
});

describe('every playbook that seals', () => {
  it.each(['cluster.yaml', 'ha-cluster.yaml', 'internet-cluster.yaml', 'internet-ha-cluster.yaml'])('%s: audit, monitoring and logging come right before the seal', (name) => {
    const names = read(name).phases.map((p) => p.name);
    expect(names.slice(-4)).toEqual(['audit', 'monitoring', 'logging', 'seal']);
    const uses = read(name).phases.slice(-4).map((p) => p.steps.map((s) => s.uses));
    expect(uses).toEqual([['audit-policy'], ['podsec-monitoring'], ['log-forwarding'], ['disable-ssh']]);
  });
});

// Defaults from the facts: an internal address the inventory only implies (its `address` is a
// NAT address or a name the host does not hold) comes from the host; an explicit one stays.
import { describe, expect, it } from 'vitest';
import { applyFactDefaults } from '../../engine/facts/defaults.js';
import type { HostFacts } from '../../engine/facts/types.js';
import type { Host, Inventory } from '../../engine/model.js';
import { healthyFacts } from '../helpers/facts.js';

const host = (name: string, address: string, internalAddress = address): Host => ({ name, address, internalAddress, port: 22, user: 'root', roles: ['worker'], vars: {}, transport: 'ssh' });
const inventory = (...hosts: Host[]): Inventory => ({ file: '/x/inventory.yaml', cluster: { name: 'c' }, hosts });

function factsWithout(name: string, address: string, patch: Partial<HostFacts> = {}): HostFacts {
  const f = healthyFacts({ hostname: name, address }, patch);
  delete f.internal; // the inventory's address is not on the host
  return f;
}

describe('internal addresses from the facts', () => {
  it('behind NAT: the address the SSH connection reached, as the host sees it', () => {
    const facts = new Map([['w1', factsWithout('w1', '10.10.0.21', { sshAddress: '10.10.0.21' })]]);
    const { inventory: inv, changed } = applyFactDefaults(inventory(host('w1', '192.0.2.21')), facts);
    expect(inv.hosts[0]!.internalAddress).toBe('10.10.0.21');
    expect(facts.get('w1')!.internal).toEqual({ address: '10.10.0.21', interface: 'ens3', prefix: 24, subnet: '10.10.0.0/24' });
    expect(changed).toEqual([{ host: 'w1', from: '192.0.2.21', to: '10.10.0.21', why: 'the address the SSH connection reached (ens3)' }]);
  });

  it('a DNS name and no SSH address: the address on the default route', () => {
    const facts = new Map([['w1', factsWithout('w1', '10.10.0.21')]]);
    const { inventory: inv, changed } = applyFactDefaults(inventory(host('w1', 'w1.example.com')), facts);
    expect(inv.hosts[0]!.internalAddress).toBe('10.10.0.21');
    expect(changed[0]!.why).toBe('the address of ens3, which holds the default route');
  });

  it('an explicit internal address wins, even when the host does not hold it (a check says so)', () => {
    const facts = new Map([['w1', factsWithout('w1', '10.10.0.21', { sshAddress: '10.10.0.21' })]]);
    const given = inventory(host('w1', '192.0.2.21', '10.10.9.9'));
    const { inventory: inv, changed } = applyFactDefaults(given, facts);
    expect(inv).toBe(given);
    expect(changed).toEqual([]);
  });

  it('an address the host holds is kept as it is', () => {
    const facts = new Map([['w1', healthyFacts({ hostname: 'w1', address: '10.10.0.21' })]]);
    const given = inventory(host('w1', '10.10.0.21'));
    expect(applyFactDefaults(given, facts).inventory).toBe(given);
  });
});

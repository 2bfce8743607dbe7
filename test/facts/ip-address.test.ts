import { describe, expect, it } from 'vitest';
import { addressFamily, inSubnet, normalizeAddress, parseCidr, subnetOf } from '../../engine/facts/ip-address.js';
import { routeTo } from '../../engine/facts/parse-net.js';

describe('IP address arithmetic', () => {
  it.each([
    ['10.10.0.5', 24, '10.10.0.0/24'],
    ['127.0.1.6', 30, '127.0.1.4/30'],
    ['192.0.2.2', 32, '192.0.2.2/32'],
    ['fd00::2', 64, 'fd00::/64'],
    ['fe80::fc:ff:fe00:1', 64, 'fe80::/64'],
    ['2001:db8:0:0:1::1', 48, '2001:db8::/48'],
  ])('the subnet of %s/%i is %s', (address, prefix, subnet) => {
    expect(subnetOf(address, prefix)).toBe(subnet);
  });

  it.each([
    ['10.10.0.100', '10.10.0.0/24', true],
    ['10.10.1.100', '10.10.0.0/24', false],
    ['127.0.1.100', '127.0.1.0/26', false],
    ['127.0.1.60', '127.0.1.0/26', true],
    ['10.0.0.1', 'fd00::/64', false],
    ['fd00::99', 'fd00::/64', true],
    ['not-an-ip', '10.0.0.0/8', false],
  ])('%s in %s: %s', (address, cidr, inside) => {
    expect(inSubnet(address, cidr)).toBe(inside);
  });

  it('tells addresses from names and normalises them as ip prints them', () => {
    expect(addressFamily('10.0.0.1')).toBe('inet');
    expect(addressFamily('::1')).toBe('inet6');
    expect(addressFamily('lb01.example.com')).toBeUndefined();
    expect(addressFamily('10.0.0.256')).toBeUndefined();
    expect(normalizeAddress('FD00:0:0:0:0:0:0:2')).toBe('fd00::2');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.7')).toEqual({ address: '10.0.0.7', prefix: 32, family: 'inet' });
  });

  it('finds the route the kernel would take: the longest prefix, the default last', () => {
    const routes = [
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { dst: '10.213.0.0/24', dev: 'pptb0' },
      { dst: '10.213.0.128/25', dev: 'pptb1' },
    ];
    expect(routeTo(routes, '10.213.0.200')?.dev).toBe('pptb1');
    expect(routeTo(routes, '10.213.0.5')?.dev).toBe('pptb0');
    expect(routeTo(routes, '8.8.8.8')?.dev).toBe('eth0');
    expect(routeTo(routes.slice(1), '8.8.8.8')).toBeUndefined();
    expect(routeTo(routes, 'fd00::1')).toBeUndefined();
  });
});

// Addresses, VIPs and endpoints are checked by the schema, with a position, before anything runs
// (issue 10, item 11): values that used to pass validation and fail only mid-run, after changes
// were made (`cluster.vip: '$(id)'` failed at keepalived after haproxy was installed).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, stopStrayProcesses } from '../helpers/cli.js';
import { workdir } from '../helpers/workdir.js';

afterEach(stopStrayProcesses);

const ADDRESS = `is not valid: an IPv4 or IPv6 address or a host name (ASCII letters, digits, '-', '_' and '.')`;

const CASES: { name: string; cluster?: string; host: string; at: string; message: string }[] = [
  { name: "cluster.vip: '$(id)'", cluster: "  vip: '$(id)'\n", host: 'address: 127.0.0.1', at: '3:8', message: '"cluster.vip" is not valid: an IPv4 or IPv6 address' },
  { name: 'cluster.vip: a host name', cluster: '  vip: lb.example.com\n', host: 'address: 127.0.0.1', at: '3:8', message: '"cluster.vip" is not valid: an IPv4 or IPv6 address' },
  {
    name: 'a control-plane endpoint without a port',
    cluster: '  controlPlaneEndpoint: 10.0.0.100\n',
    host: 'address: 127.0.0.1',
    at: '3:25',
    message: '"cluster.controlPlaneEndpoint" is not valid: HOST:PORT',
  },
  { name: 'a control-plane endpoint with port 0', cluster: "  controlPlaneEndpoint: '10.0.0.100:0'\n", host: 'address: 127.0.0.1', at: '3:25', message: '"cluster.controlPlaneEndpoint" is not valid' },
  { name: 'an address with a NUL byte', host: 'address: "127.0.0.1\\0"', at: '4:26', message: `"hosts.0.address" ${ADDRESS}` },
  { name: 'a blank address', host: 'address: "   "', at: '4:26', message: `"hosts.0.address" ${ADDRESS}` },
  { name: 'a non-ASCII address', host: 'address: "ünïcode.example"', at: '4:26', message: `"hosts.0.address" ${ADDRESS}` },
  { name: 'an address with a shell substitution', host: "address: '$(reboot)'", at: '4:26', message: `"hosts.0.address" ${ADDRESS}` },
  { name: 'an internal address with an octet over 255', host: 'address: 127.0.0.1, internalAddress: 10.0.0.300', at: '4:54', message: `"hosts.0.internalAddress" ${ADDRESS}` },
];

describe('addresses in the inventory', () => {
  it.each(CASES)('$name: validate and run exit 2 at FILE:LINE:COL, and nothing runs', async ({ cluster, host, at, message }) => {
    const dir = workdir();
    const inv = join(dir, 'inventory.yaml');
    writeFileSync(inv, `cluster:\n  name: x\n${cluster ?? ''}hosts:\n  - { name: h1, ${host}, transport: local, roles: [node] }\n`);
    const pb = join(dir, 'pb.yaml');
    writeFileSync(pb, `name: p\nphases:\n  - name: x\n    hosts: all\n    steps:\n      - { id: s, uses: shell, with: { run: "touch ${dir}/ran" } }\n`);
    for (const args of [['validate', pb, '-i', inv], ['run', pb, '-i', inv, '--plain']]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${inv}:${at}: ${message}`);
    }
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('IPv4, IPv6 and host names pass', async () => {
    const dir = workdir();
    const inv = join(dir, 'inventory.yaml');
    writeFileSync(
      inv,
      `cluster: { name: x, vip: 'fd00::100', controlPlaneEndpoint: '[fd00::100]:8443' }\nhosts:\n` +
        `  - { name: a, address: 10.0.0.1, internalAddress: 'fe80::1', transport: local }\n` +
        `  - { name: b, address: node-b.example.com, transport: local }\n` +
        `  - { name: c, address: my_ssh_alias, transport: local }\n`,
    );
    const pb = join(dir, 'pb.yaml');
    writeFileSync(pb, `name: p\nphases:\n  - name: x\n    hosts: all\n    steps:\n      - { id: s, uses: shell, with: { run: "true" } }\n`);
    const r = await runCli(['validate', pb, '-i', inv], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('addresses written into a playbook', () => {
  it('a literal keepalived vip or haproxy server address is checked by the step schema, at its position', async () => {
    const dir = workdir();
    const inv = join(dir, 'inventory.yaml');
    writeFileSync(inv, `cluster: { name: x }\nhosts:\n  - { name: lb-1, address: 127.0.0.1, transport: local, roles: [lb] }\n`);
    const pb = join(dir, 'pb.yaml');
    writeFileSync(
      pb,
      `name: p\nphases:\n  - name: lb\n    hosts: [lb]\n    steps:\n` +
        `      - { id: ka, uses: keepalived, with: { password: abcd1234, vip: '$(id)' } }\n` +
        `      - { id: hp, uses: haproxy, with: { servers: [{ name: cp-1, address: 'x;reboot' }] } }\n`,
    );
    const r = await runCli(['validate', pb, '-i', inv], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${pb}:6:70: with (keepalived): "vip" is not valid: an IPv4 or IPv6 address`);
    expect(r.stderr).toContain(`${pb}:7:75: with (haproxy): "servers.0.address" ${ADDRESS}`);
  });
});

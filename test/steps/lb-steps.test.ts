// haproxy and keepalived steps: candidate config validated before it replaces the live one,
// services (re)started only when needed, VRRP roles by LB order, the VIP proven.
import { describe, expect, it } from 'vitest';
import { haproxyStep } from '../../steps/haproxy.js';
import { keepalivedStep } from '../../steps/keepalived.js';
import { renderHaproxy } from '../../steps/lib/render-haproxy.js';
import { healthyFacts } from '../helpers/facts.js';
import { fakeWorld, haInventory, shownCommands, type FakeWorld } from './fake-context.js';

function services(w: FakeWorld, unit: string, active: () => boolean): void {
  w.self.on(`systemctl is-active ${unit}`, () => ({ exitCode: active() ? 0 : 3 }));
  w.self.on(/^mv -f /, (cmd) => {
    const [, from, to] = /^mv -f (\S+) (\S+)$/.exec(cmd)!;
    w.self.write(to!, w.self.files.get(from!)!);
    w.self.files.delete(from!);
    return {};
  });
}

describe('haproxy', () => {
  it('renders every control plane, validates the candidate with haproxy -c, installs it and restarts', async () => {
    const w = fakeWorld(haInventory(), 'lb-1');
    let active = false;
    services(w, 'haproxy', () => active);
    w.self.on('systemctl restart haproxy', () => ((active = true), {}));
    const out = await haproxyStep.run(w.ctx, {});
    const cmds = w.calls.map((c) => c.command);
    expect(cmds).toContain('test -s /etc/haproxy/haproxy.cfg.podsec-play.new && haproxy -c -f /etc/haproxy/haproxy.cfg.podsec-play.new');
    expect(cmds.indexOf('mv -f /etc/haproxy/haproxy.cfg.podsec-play.new /etc/haproxy/haproxy.cfg')).toBeGreaterThan(
      cmds.findIndex((c) => c.includes('haproxy -c -f')),
    );
    expect(cmds).toContain('systemctl restart haproxy');
    const cfg = w.self.files.get('/etc/haproxy/haproxy.cfg')!.toString();
    for (const [n, ip] of [['cp-1', '10.0.1.1'], ['cp-2', '10.0.1.2'], ['cp-3', '10.0.1.3']]) expect(cfg).toContain(`server ${n} ${ip}:6443 check`);
    expect(out).toEqual({ servers: 'cp-1=10.0.1.1:6443,cp-2=10.0.1.2:6443,cp-3=10.0.1.3:6443' });
    expect(await haproxyStep.check!(w.ctx, {})).toMatchObject({ done: true });
  });

  it('a config haproxy -c rejects is removed and fails the step without touching the live file', async () => {
    const w = fakeWorld(haInventory(), 'lb-1');
    w.self.write('/etc/haproxy/haproxy.cfg', 'old');
    w.self.on(/haproxy -c -f/, { exitCode: 1, stderr: '[ALERT] parsing error' });
    await expect(haproxyStep.run(w.ctx, {})).rejects.toMatchObject({ code: 'E_COMMAND', retryable: false });
    expect(w.self.files.get('/etc/haproxy/haproxy.cfg')!.toString()).toBe('old');
    expect(w.calls.map((c) => c.command)).toContain('rm -f /etc/haproxy/haproxy.cfg.podsec-play.new');
  });

  it('an unchanged config on an active haproxy is neither re-validated nor restarted', async () => {
    const w = fakeWorld(haInventory(), 'lb-1');
    w.self.write('/etc/haproxy/haproxy.cfg', renderHaproxy({ servers: [1, 2, 3].map((i) => ({ name: `cp-${i}`, address: `10.0.1.${i}` })) }));
    services(w, 'haproxy', () => true);
    await haproxyStep.run(w.ctx, {});
    const cmds = w.calls.map((c) => c.command);
    expect(cmds.some((c) => c.includes('haproxy -c'))).toBe(false);
    expect(cmds).toContain('systemctl start haproxy');
    expect(cmds).not.toContain('systemctl restart haproxy');
  });

  it('honours with.servers', async () => {
    const w = fakeWorld(haInventory(), 'lb-1');
    services(w, 'haproxy', () => true);
    await haproxyStep.run(w.ctx, { servers: [{ name: 'api', address: '192.168.0.10', port: 6443 }] });
    expect(w.self.files.get('/etc/haproxy/haproxy.cfg')!.toString()).toContain('server api 192.168.0.10:6443 check');
  });
});

describe('keepalived', () => {
  const password = 'vrrp-pw1';

  function lb(name: string, curlExit: number[] = [0]): FakeWorld {
    const w = fakeWorld(haInventory(), name);
    services(w, 'keepalived', () => true);
    let i = 0;
    w.self.on(/^curl /, () => ({ exitCode: curlExit[Math.min(i++, curlExit.length - 1)] }));
    // lb-1 carries the VIP
    w.on('lb-1').on(/^ip -o addr show/, { exitCode: 0 });
    w.on('lb-2').on(/^ip -o addr show/, { exitCode: 1 });
    return w;
  }

  it('makes the first LB MASTER/101, the second BACKUP/100; config 0600, check script 0755, both validated', async () => {
    const w1 = lb('lb-1');
    expect(await keepalivedStep.run(w1.ctx, { password })).toEqual({ vip: '10.0.3.100', state: 'MASTER', priority: '101' });
    const w2 = lb('lb-2');
    expect(await keepalivedStep.run(w2.ctx, { password })).toEqual({ vip: '10.0.3.100', state: 'BACKUP', priority: '100' });
    const cmds = w2.calls.map((c) => c.command);
    expect(cmds).toContain('<upload /etc/keepalived/keepalived.conf.podsec-play.new mode 600>');
    expect(cmds).toContain('<upload /etc/keepalived/check_apiserver.sh.podsec-play.new mode 755>');
    expect(cmds).toContain(
      'test -s /etc/keepalived/keepalived.conf.podsec-play.new && keepalived -t -f /etc/keepalived/keepalived.conf.podsec-play.new',
    );
    expect(cmds).toContain('systemctl restart keepalived');
    expect(w2.calls.filter((c) => c.command.startsWith('ip -o addr show')).map((c) => [c.host, c.command])).toEqual([
      ['lb-1', "ip -o addr show | grep -qF ' 10.0.3.100/'"],
      ['lb-2', "ip -o addr show | grep -qF ' 10.0.3.100/'"],
    ]);
    expect(w2.logs.join('\n')).toMatch(/held by lb-1/);
    const conf = w2.self.files.get('/etc/keepalived/keepalived.conf')!.toString();
    // No inventory setting: the interface holding lb-2's address (facts), the VIP with its /24.
    expect(conf).toContain('interface ens3');
    expect(conf).toContain('        10.0.3.100/24\n');
    expect(conf).toContain(`auth_pass ${password}`);
    expect(w2.secrets).toContain(password);
    expect(shownCommands(w2).join('\n')).not.toContain(password);
  });

  it('verify tcp: connection refused (curl 7) is retried; a TLS reply from haproxy without backends counts as answering', async () => {
    const w = lb('lb-1', [7, 7, 35]);
    await keepalivedStep.run(w.ctx, { password, verify: 'tcp', verifyTimeout: '10s', verifyInterval: '5ms' });
    const curls = w.calls.filter((c) => c.command.startsWith('curl '));
    expect(curls.map((c) => c.command)).toEqual(Array(3).fill('curl -sk --max-time 3 -o /dev/null https://10.0.3.100:8443/healthz'));
  });

  it('verify healthz needs curl -f to succeed', async () => {
    const w = lb('lb-1', [22, 0]);
    await keepalivedStep.run(w.ctx, { password, verify: 'healthz', verifyInterval: '5ms' });
    expect(w.calls.filter((c) => c.command.startsWith('curl -sk --max-time 3 -f ')).length).toBe(2);
  });

  it('fails when the VIP never answers, or no LB ever carries it', async () => {
    const w = lb('lb-1', [7]);
    await expect(keepalivedStep.run(w.ctx, { password, verify: 'tcp', verifyTimeout: '50ms', verifyInterval: '5ms' })).rejects.toThrow(/does not accept connections/);
    const w2 = lb('lb-2');
    w2.on('lb-1').first(/^ip -o addr show/, { exitCode: 1 });
    await expect(keepalivedStep.run(w2.ctx, { password, verifyTimeout: '50ms', verifyInterval: '5ms' })).rejects.toThrow(
      /is not carried by any LB host \(no holder among lb-1, lb-2\)/,
    );
  });

  it('refuses a VRRP password longer than 8 characters, naming the problem but not the password', async () => {
    const w = lb('lb-1');
    const err = await keepalivedStep.run(w.ctx, { password: 'much-too-long' }).catch((e: Error) => e);
    expect(String(err)).toMatch(/longer than 8/);
    expect(String(err)).not.toContain('much-too-long');
    expect(w.calls.some((c) => c.command.startsWith('<upload'))).toBe(false);
  });

  it('uses the interface from host vars (it must exist) and unicast peers when asked', async () => {
    const inv = haInventory();
    inv.hosts[0]!.vars['interface'] = 'enp0s8';
    const facts = { 'lb-1': healthyFacts({ hostname: 'lb-1', address: '10.0.3.1', iface: 'enp0s8', prefix: 16 }) };
    const w = fakeWorld(inv, 'lb-1', { facts });
    services(w, 'keepalived', () => true);
    await keepalivedStep.run(w.ctx, { password, unicast: true, verify: 'none' });
    const conf = w.self.files.get('/etc/keepalived/keepalived.conf')!.toString();
    expect(conf).toContain('interface enp0s8');
    expect(conf).toContain('        10.0.3.100/16\n');
    expect(conf).toContain('unicast_src_ip 10.0.3.1\n    unicast_peer {\n        10.0.3.2\n    }');
  });

  it('an interface the host does not have, or a VIP outside its subnets, fails before any upload', async () => {
    const inv = haInventory();
    inv.hosts[0]!.vars['interface'] = 'eth0';
    const w = fakeWorld(inv, 'lb-1');
    services(w, 'keepalived', () => true);
    await expect(keepalivedStep.run(w.ctx, { password, verify: 'none' })).rejects.toThrow(/interface eth0 does not exist on lb-1 \(it has lo, ens3\)/);
    const facts = { 'lb-1': healthyFacts({ hostname: 'lb-1', address: '10.0.3.1', prefix: 30 }) };
    const w2 = fakeWorld(haInventory(), 'lb-1', { facts });
    services(w2, 'keepalived', () => true);
    await expect(keepalivedStep.run(w2.ctx, { password, verify: 'none' })).rejects.toThrow(/the VIP 10\.0\.3\.100 is outside every subnet of ens3 on lb-1/);
    expect([...w.calls, ...w2.calls].some((c) => c.command.startsWith('<upload'))).toBe(false);
  });
});

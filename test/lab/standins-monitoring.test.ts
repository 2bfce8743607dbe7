// The lab's systemd for podsec-inotify's units and rsyslog: units exist while their package is
// installed, timers stay active while their oneshot checks end, check-kubeapi keeps restarting
// until there is an audit log to follow, rsyslog refuses a broken config and records where it
// forwards, and stopping sshd records which units were active at that moment.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { actions, connectNode, freshLab, type NodeSession } from './lab-client.js';
import { expectOk, writeFile } from './podsec-flow.js';

type Lab = Awaited<ReturnType<typeof freshLab>>;
let lab: Lab;
let master: NodeSession;
let worker: NodeSession;

beforeAll(async () => {
  lab = await freshLab({ workers: 1 });
  master = await connectNode(lab, 'cp-1');
  worker = await connectNode(lab, 'worker-1');
});
afterAll(async () => {
  master?.end();
  worker?.end();
  await lab?.cleanup();
});

const UNITS = 'podsec-inotify-check-policy.timer podsec-inotify-check-containers.service podsec-inotify-check-kubeapi.service';

describe('podsec-inotify units', () => {
  test('a fresh node has them installed but off (as the package leaves them)', async () => {
    const r = await master.exec(`systemctl is-enabled ${UNITS}`);
    expect(r).toMatchObject({ code: 1, stdout: 'disabled\ndisabled\ndisabled\n' });
    expect((await master.exec(`systemctl is-active ${UNITS}`)).stdout).toBe('inactive\ninactive\ninactive\n');
  });

  test('timers stay active (waiting); a oneshot check runs and ends', async () => {
    expectOk(await master.exec('systemctl enable --now podsec-inotify-check-images.timer podsec-inotify-check-images.service'), 'enable');
    expect((await master.exec('systemctl is-active podsec-inotify-check-images.timer podsec-inotify-check-images')).stdout).toBe('active\ninactive\n');
    expect((await master.exec('systemctl status podsec-inotify-check-images.timer')).stdout).toContain('Active: active (waiting)');
    const line = actions(lab, 'cp-1').filter((a) => a.event === 'systemctl' && a.action === 'enable').at(-1);
    expect(line).toMatchObject({ ran: ['podsec-inotify-check-images'], started: ['podsec-inotify-check-images.timer'] });
  });

  test('check-kubeapi keeps restarting (activating) until /etc/kubernetes/audit/audit.log exists', async () => {
    expectOk(await worker.exec('systemctl enable --now podsec-inotify-check-kubeapi.service'), 'enable');
    expect(await worker.exec('systemctl is-active podsec-inotify-check-kubeapi')).toMatchObject({ code: 3, stdout: 'activating\n' });
    expect((await worker.exec('systemctl status podsec-inotify-check-kubeapi')).stdout).toContain("tail: cannot open '/etc/kubernetes/audit/audit.log' for reading");
    const show = await worker.exec('systemctl show --property=Id,ActiveState,SubState,UnitFileState,LoadState podsec-inotify-check-kubeapi nosuch.timer');
    expect(show.stdout).toContain('Id=podsec-inotify-check-kubeapi.service\nLoadState=loaded\nActiveState=activating\nSubState=auto-restart\nUnitFileState=enabled\n\nId=nosuch.timer\nLoadState=not-found');
    expectOk(await worker.exec('mkdir -p /etc/kubernetes/audit && touch /etc/kubernetes/audit/audit.log'), 'touch');
    expect(await worker.exec('systemctl is-active podsec-inotify-check-kubeapi')).toMatchObject({ code: 0, stdout: 'active\n' });
  });

  test('without the podsec-inotify package the units do not exist', async () => {
    expectOk(await worker.exec("sed -i '/^podsec-inotify-/d' /var/lib/lab/packages"), 'remove the package');
    const r = await worker.exec('systemctl enable --now podsec-inotify-check-policy.timer');
    expect(r).toMatchObject({ code: 1, stderr: 'Failed to enable unit: Unit file podsec-inotify-check-policy.timer does not exist.\n' });
    expect((await worker.exec('systemctl show --property=LoadState podsec-inotify-check-policy.timer')).stdout).toBe('LoadState=not-found\n');
  });
});

describe('rsyslog', () => {
  test('journald runs and rsyslog is installed with /etc/rsyslog.d', async () => {
    expect((await master.exec('systemctl is-active systemd-journald rsyslog')).stdout).toBe('active\nactive\n');
    expectOk(await master.exec('test -d /etc/rsyslog.d && test -f /etc/rsyslog.conf'), 'rsyslog files');
    expect(expectOk(await master.exec('rsyslogd -N1'), 'rsyslogd -N1').stdout).toContain('End of config validation run');
  });

  test('a broken drop-in: rsyslogd -N1 names file and line, and rsyslog does not restart with it', async () => {
    await writeFile(master, '/etc/rsyslog.d/50-bad.conf', '*.* action(type="omfwd" port="514"\n');
    const check = await master.exec('rsyslogd -N1');
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('/etc/rsyslog.d/50-bad.conf');
    expect((await master.exec('systemctl restart rsyslog')).code).toBe(1);
    expect((await master.exec('systemctl is-failed rsyslog')).stdout).toBe('failed\n');
    expectOk(await master.exec('rm /etc/rsyslog.d/50-bad.conf'), 'rm');
  });

  test('a forwarding action: the restart records where rsyslog forwards to', async () => {
    await writeFile(master, '/etc/rsyslog.d/60-fwd.conf', '*.* action(type="omfwd" target="10.9.9.9" port="6514" protocol="tcp"\n       queue.type="LinkedList")\n*.* @10.9.9.8\n');
    expectOk(await master.exec('systemctl restart rsyslog'), 'restart');
    const line = actions(lab, 'cp-1').filter((a) => a.event === 'systemctl' && a.action === 'restart').at(-1);
    expect(line?.['forwardsTo']).toEqual(['tcp://10.9.9.9:6514', 'udp://10.9.9.8:514']);
  });
});

describe('the seal', () => {
  test('stopping sshd records the units active at that moment', async () => {
    expectOk(await master.exec('systemctl enable --now podsec-inotify-check-policy.timer'), 'enable');
    expectOk(await master.exec('systemctl stop sshd'), 'stop sshd');
    const line = actions(lab, 'cp-1').filter((a) => a.event === 'systemctl' && a.sshClosed === true).at(-1);
    expect(line?.['activeUnits']).toEqual(expect.arrayContaining(['podsec-inotify-check-policy.timer', 'rsyslog.service', 'systemd-journald.service']));
    expect(line?.['activeUnits']).not.toContain('sshd.service');
    expectOk(await master.exec('systemctl start sshd'), 'start sshd');
  });
});

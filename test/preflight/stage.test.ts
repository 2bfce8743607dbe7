// The preflight stage over fake transports: who is asked for facts (hosts with work left), what
// (paths and mirrors only where a check needs them), which checks run (declared by unfinished
// steps whose `when` may hold, once per host and id), and what an unreachable host gets.
import { describe, expect, it } from 'vitest';
import { SECTION_MARK } from '../../engine/facts/script.js';
import type { Inventory, Playbook, StepSpec } from '../../engine/model.js';
import { planRun } from '../../engine/plan/planner.js';
import { EMPTY_JOURNAL, runPreflight, type JournalView } from '../../engine/preflight/stage.js';
import type { PreflightCheck } from '../../engine/step-kind.js';
import { defineStep } from '../../engine/step-kind.js';
import { PlayError } from '../../engine/errors.js';
import type { ExecOptions, ExecResult, Transport } from '../../engine/transport/types.js';
import { findStepKind } from '../../steps/index.js';
import { host } from './fake-preflight.js';

/** What the facts script prints on a healthy ALT node (only the sections the tests need). */
function scriptOutput(o: { hostname: string; address: string; swap?: boolean; paths?: number }): string {
  const s = (name: string, body: string) => `${SECTION_MARK} ${name}\n${body}\n`;
  const link = (n: number, name: string, addr: string, prefix: number) =>
    `{"ifindex":${n},"ifname":"${name}","flags":["UP"],"link_type":"${name === 'lo' ? 'loopback' : 'ether'}","address":"52:54:00:00:00:0${n}","addr_info":[{"family":"inet","local":"${addr}","prefixlen":${prefix}}]}`;
  return [
    s('date', String(Date.now() / 1000)),
    s('os-release', 'ID=altlinux\nPRETTY_NAME="ALT Server 10.2"\nCPE_NAME="cpe:/o:alt:server:10.2"'),
    s('uname', `${o.hostname} 6.1.130-un-def-alt1 x86_64`),
    s('machine-id', `${o.hostname.replace(/[^0-9a-f]/g, '')}${'0'.repeat(32)}`.slice(0, 32)),
    s('ip-addr', `[${link(1, 'lo', '127.0.0.1', 8)},${link(2, 'ens3', o.address, 24)}]`),
    s('ip-route', `[{"dst":"default","gateway":"10.0.0.254","dev":"ens3"},{"dst":"10.0.0.0/24","dev":"ens3","prefsrc":"${o.address}"}]`),
    s('ss', 'tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=1,fd=3))'),
    s('swap', o.swap ? '/swapfile 1073741824' : ''),
    s('cgroup', 'cgroup2'),
    s('sysctl', 'user.max_user_namespaces = 63482'),
    s('df', 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda2 61665932 9184456 49318108 16% /'),
    s('packages', 'rpm\npodsec 1.1.20-alt2\npodsec-k8s 1.1.20-alt2\nhaproxy 2.8.5-alt1\nkeepalived 2.2.8-alt1\ncurl 8.5.0-alt1'),
    s('time-sync', 'NTP=yes\nNTPSynchronized=yes'),
    s('ssh', ''),
    s('paths', Array(o.paths ?? 0).fill('0').join('\n')),
    s('apt', 'http://ftp.altlinux.org/pub/distributions/ALTLinux 0 200'),
    s('end', ''),
  ].join('');
}

class ScriptedTransport implements Transport {
  readonly scripts: string[] = [];
  constructor(
    readonly host: string,
    private readonly answer: (command: string) => Partial<ExecResult>,
  ) {}
  async exec(command: string, _o?: ExecOptions): Promise<ExecResult> {
    this.scripts.push(command);
    return { command, exitCode: 0, signal: undefined, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...this.answer(command) };
  }
  async upload(): Promise<never> {
    throw new Error('the preflight must not upload');
  }
  async download(): Promise<never> {
    throw new Error('not needed');
  }
  async close(): Promise<void> {}
}

const inventory = (): Inventory => ({
  file: '/x/inventory.yaml',
  cluster: { name: 'one' },
  hosts: [host('cp-1', ['master'], '10.0.0.1'), host('w-1', ['worker'], '10.0.0.11'), host('w-2', ['worker'], '10.0.0.12')],
});

const step = (id: string, uses: string, extra: Partial<StepSpec> = {}): StepSpec => ({
  id,
  uses,
  with: {},
  retry: { attempts: 1, delayMs: 0, backoff: 1, maxDelayMs: 0 },
  timeoutMs: undefined,
  at: 'p.yaml:1:1',
  ...extra,
});

function playbook(phases: { name: string; hosts: string[]; steps: StepSpec[] }[]): Playbook {
  return { file: '/x/p.yaml', name: 'p', vars: {}, phases: phases.map((p) => ({ ...p, concurrency: undefined, serial: false, skipSealed: false, at: 'p.yaml:1:1' })) };
}

function world(pb: Playbook, o: { journal?: JournalView; swapOn?: string[]; refuse?: string[]; skip?: string[] } = {}) {
  const inv = inventory();
  const plan = planRun(pb, inv, { titleOf: () => undefined });
  const transports = new Map<string, ScriptedTransport>();
  for (const h of inv.hosts) {
    transports.set(
      h.name,
      new ScriptedTransport(h.name, (cmd) => {
        if (!cmd.includes(SECTION_MARK)) return { exitCode: 0 };
        const paths = (cmd.match(/then echo 1; else echo 0; fi/g) ?? []).length;
        return { stdout: scriptOutput({ hostname: h.name, address: h.internalAddress, swap: o.swapOn?.includes(h.name), paths }) };
      }),
    );
  }
  const asked: string[] = [];
  const run = () =>
    runPreflight({
      plan,
      playbook: pb,
      inventory: inv,
      findKind: findStepKind,
      journal: o.journal ?? EMPTY_JOURNAL,
      transportFor: (name) => {
        asked.push(name);
        if (o.refuse?.includes(name)) throw new PlayError(`${name}: connect ECONNREFUSED 10.0.0.12:22`, { code: 'E_CONNECT', host: name });
        return transports.get(name)!;
      },
      secrets: { get: () => undefined, has: () => false },
      signal: new AbortController().signal,
      ...(o.skip ? { skip: o.skip } : {}),
    });
  return { plan, transports, asked, run };
}

describe('the preflight stage', () => {
  const cluster = playbook([
    { name: 'master', hosts: ['master'], steps: [step('init', 'kubeadm-init')] },
    { name: 'workers', hosts: ['worker'], steps: [step('material', 'join-material'), step('join', 'kubeadm-join', { with: { token: '${{ steps.material.outputs.token }}' } })] },
  ]);

  it('asks every host with work once, all at once, and gets a row per host × check', async () => {
    const w = world(cluster, { swapOn: ['w-2'] });
    const out = await w.run();
    expect(w.asked.sort()).toEqual(['cp-1', 'w-1', 'w-2']);
    expect([...w.transports.values()].map((t) => t.scripts.length)).toEqual([1, 1, 1]);
    const failed = out.results.filter((r) => r.status === 'failed').map((r) => `${r.host} ${r.check}`);
    expect(failed).toEqual(['w-2 swap-off']);
    expect(out.ok).toBe(false);
    expect(out.results.filter((r) => r.host === 'w-1').map((r) => r.check)[0]).toBe('reachable');
    // An expression that needs a later step's output is left out: the join checks still run.
    expect(out.results.find((r) => r.host === 'w-1' && r.check === 'endpoint-reachable')).toMatchObject({ status: 'ok', steps: ['workers/join'] });
  });

  it('asks for paths and mirrors only where a check needs them; the script changes nothing', async () => {
    const pb = playbook([
      { name: 'master', hosts: ['master'], steps: [step('init', 'kubeadm-init')] },
      { name: 'all', hosts: ['all'], steps: [step('hello', 'shell', { with: { run: 'true' } })] },
    ]);
    const w = world(pb);
    await w.run();
    const master = w.transports.get('cp-1')!.scripts[0]!;
    const worker = w.transports.get('w-1')!.scripts[0]!;
    expect(master).toContain("test -e /var/lib/podsec/u7s/etcd/member");
    expect(master).toContain('sources.list');
    expect(worker).not.toContain('test -e');
    expect(worker).not.toContain('sources.list');
    // Read-only: nothing in the script writes, moves, removes or installs anything.
    for (const script of [master, worker]) expect(script).not.toMatch(/(^|[;&|\s])(rm|mv|cp|mkdir|touch|tee|dd|apt-get|systemctl|sysctl -w)\s|>\s*\/(?!dev\/null)/m);
  });

  it('a check the admin skips (ID everywhere, or HOST/ID) is reported as skipped with what it said, and stops nothing', async () => {
    const one = await world(cluster, { swapOn: ['w-1', 'w-2'], skip: ['w-2/swap-off'] }).run();
    expect(one.results.filter((r) => r.check === 'swap-off' && r.status !== 'ok').map((r) => `${r.host} ${r.status}`)).toEqual(['w-1 failed', 'w-2 skipped']);
    expect(one.ok).toBe(false);
    const all = await world(cluster, { swapOn: ['w-1', 'w-2'], skip: ['swap-off'] }).run();
    expect(all.ok).toBe(true);
    expect(all.results.find((r) => r.host === 'w-2' && r.check === 'swap-off')).toEqual({
      host: 'w-2',
      check: 'swap-off',
      title: 'swap is off',
      status: 'skipped',
      detail: 'skipped (--skip-check); it said: swap is on: /swapfile (1.0 GiB) (kubelet refuses to start with swap)',
      steps: ['workers/join'],
    });
  });

  it('checks a kind once per host, whichever steps declare it', async () => {
    const pb = playbook([{ name: 'master', hosts: ['master'], steps: [step('sign', 'sign-images', { with: { passphrase: 'x' } }), step('init', 'kubeadm-init')] }]);
    const out = await world(pb).run();
    const clock = out.results.filter((r) => r.host === 'cp-1' && r.check === 'clock');
    expect(clock).toEqual([expect.objectContaining({ steps: ['master/sign', 'master/init'], status: 'ok' })]);
  });

  it('leaves out finished steps, and hosts whose steps are all finished', async () => {
    const w = world(cluster, {
      swapOn: ['cp-1'],
      journal: { ...EMPTY_JOURNAL, isFinished: (key) => key.startsWith('master/') || key.startsWith('workers/w-1/') },
    });
    const out = await w.run();
    expect([...new Set(w.asked)]).toEqual(['w-2']);
    expect(new Set(out.results.map((r) => r.host))).toEqual(new Set(['w-2']));
    expect(out.ok).toBe(true);
  });

  it('does not ask a host whose only work left is its seal (an interrupted seal may have closed SSH)', async () => {
    const pb = playbook([
      { name: 'master', hosts: ['master'], steps: [step('init', 'kubeadm-init')] },
      { name: 'seal', hosts: ['all'], steps: [step('seal', 'disable-ssh')] },
    ]);
    const w = world(pb, { refuse: ['w-1', 'w-2'], journal: { ...EMPTY_JOURNAL, isFinished: (key) => key.startsWith('master/') } });
    const out = await w.run();
    expect(w.asked).toEqual([]);
    expect(out.results).toEqual([]);
    expect(out.ok).toBe(true);
  });

  it('skips the checks of a step whose when: is false (facts may decide it)', async () => {
    const pb = playbook([{ name: 'master', hosts: ['all'], steps: [step('init', 'kubeadm-init', { when: '${{ host.facts.swap.on }}' })] }]);
    const out = await world(pb, { swapOn: ['w-1'] }).run();
    expect(out.results.filter((r) => r.check === 'swap-off').map((r) => `${r.host} ${r.status}`)).toEqual(['w-1 failed']);
  });

  it('an unreachable host fails "reachable" with the reason and a fix; its other checks are not evaluated', async () => {
    const out = await world(cluster, { refuse: ['w-2'] }).run();
    const rows = out.results.filter((r) => r.host === 'w-2');
    expect(rows).toEqual([
      {
        host: 'w-2',
        check: 'reachable',
        title: 'reachable, facts gathered',
        status: 'failed',
        reason: 'w-2: connect ECONNREFUSED 10.0.0.12:22',
        fix: 'check that the host is up and that its inventory address and port reach its SSH server',
        steps: [],
      },
    ]);
  });

  it('a check that throws is a failed row naming the bug, not a crash', async () => {
    const broken = defineStep<Record<string, never>>({
      kind: 'broken',
      description: 'x',
      schema: { type: 'object' },
      preflight: [{ id: 'oops', title: () => 'oops', evaluate: () => { throw new Error('boom'); } } as PreflightCheck<Record<string, never>>],
      run: async () => undefined,
    });
    const pb = playbook([{ name: 'x', hosts: ['master'], steps: [step('b', 'broken')] }]);
    const w = world(pb);
    const out = await runPreflight({
      plan: w.plan,
      playbook: pb,
      inventory: inventory(),
      findKind: (k) => (k === 'broken' ? broken : findStepKind(k)),
      journal: EMPTY_JOURNAL,
      transportFor: (n) => w.transports.get(n)!,
      secrets: { get: () => undefined, has: () => false },
      signal: new AbortController().signal,
    });
    expect(out.results.find((r) => r.check === 'oops')).toMatchObject({ status: 'failed', reason: 'the check could not be evaluated: boom' });
  });
});

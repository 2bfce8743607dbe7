// The shipped playbooks where podsec's real scripts would trip them (alt-cloud/podsec commit
// 5014172), on labs whose stand-ins behave like those scripts: a push that podsec-load-sign-oci
// swallows, Russian prompts and pinentry's dialog, a question no answer knows, and a cluster
// whose platform comes from the master's /etc/os-release.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseEvents, runCli } from '../helpers/cli.js';
import { connectNode } from '../lab/lab-client.js';
import { ARCHIVE, makeArchive } from '../lab/podsec-flow.js';
import { actions, expectFaithfulPodsecUse, isInit, newLab, nodeFile, playbook, scrubSecretEnv, stepEvents } from './helpers.js';

scrubSecretEnv();

type Failed = { type: string; host: string; step: string; error: { message: string } };

describe('podsec as its scripts behave, through the shipped playbooks', () => {
  it('a push that podsec-load-sign-oci swallows (it still exits 0) stops the run at the signing step, naming the missing images', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 1, lbs: 0 });
    mkdirSync(nodeFile(lab, 'cp-1', '/var/lib/lab/fail'), { recursive: true });
    writeFileSync(nodeFile(lab, 'cp-1', '/var/lib/lab/fail/podman-push'), 'kube-proxy\netcd\n');
    const r = await runCli(['run', playbook('cluster'), '-i', lab.inventoryFile, '--json', '--keep-ssh'], { cwd: work, timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const failed = parseEvents(r.stdout).filter((e) => e.type === 'step.failed') as unknown as Failed[];
    expect(failed.map((e) => [e.host, e.step])).toEqual([['cp-1', 'sign']]);
    expect(failed[0]!.error.message).toContain('podsec-load-sign-oci exited 0, but 2 of 9 images');
    expect(failed[0]!.error.message).toContain('p10/kube-proxy:v1.28.3 (not in registry.local), p10/etcd:3.5.9-0 (not in registry.local)');
    const signRuns = actions(lab, 'cp-1').filter((a) => a.argv[0] === 'podsec-load-sign-oci');
    expect(signRuns.length).toBeGreaterThanOrEqual(1);
    for (const a of signRuns) expect(a.exit).toBe(0);
    expect(actions(lab, 'cp-1').filter(isInit)).toEqual([]);
  }, 150_000);

  it('a ru_RU cluster: the image maker and the signing answer Russian prompts and pinentry\'s dialog; joins carry U7S_*', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 1, lbs: 0 });
    for (const n of lab.nodes) writeFileSync(nodeFile(lab, n.name, '/etc/locale.conf'), 'LANG=ru_RU.UTF-8\n');
    const r = await runCli(['run', playbook('cluster'), '-i', lab.inventoryFile, '--json', '--keep-ssh'], { cwd: work, timeoutMs: 120_000 });
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const lines = (step: string) => stepEvents(parseEvents(r.stdout), 'step.output', 'cp-1', step).map((e) => (e as unknown as { line: string }).line).join('\n');
    expect(lines('imagemaker')).toContain('Вы можете выбрать новый пароль или парольную фразу.');
    expect(lines('imagemaker')).toContain('Выберите тип ключа:');
    expect(lines('imagemaker')).toContain('Фраза-пароль:');
    expect(lines('sign')).toContain('Подпись и передача образа registry.local/p10/kube-apiserver:v1.28.3 в регистратор');
    expectFaithfulPodsecUse(lab, ['worker-1']);
  }, 150_000);

  it('a question no answer knows fails within seconds, showing what the terminal shows', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 0, lbs: 0 });
    const master = await connectNode(lab, 'cp-1');
    try {
      await makeArchive(master, '/tmp/c10f.tar.xz', 'c10f');
    } finally {
      master.end();
    }
    // Secure mode, then podsec-load-sign-oci on an archive of another platform through a shell
    // step that knows only the passphrase: the script prints `Continue (y/N)?` as a whole line
    // and reads.
    const book = join(work, 'unknown-prompt.yaml');
    const original = readFileSync(playbook('cluster'), 'utf8');
    const doc = parse(original) as { phases: { name: string; steps: Record<string, unknown>[] }[] };
    const master0 = doc.phases.find((p) => p.name === 'master')!;
    master0.steps = master0.steps.filter((s) => s['id'] !== 'sign' && s['id'] !== 'init');
    master0.steps.push({
      id: 'mismatch',
      uses: 'shell',
      timeout: '5m',
      with: {
        run: `su - imagemaker -c "podsec-load-sign-oci /tmp/c10f.tar.xz amd64 imagemaker@registry.local"`,
        pty: true,
        answers: [{ prompt: '(?:Passphrase|Фраза-пароль):\\s*$', send: '${{ secrets.GPG_PASSPHRASE }}' }],
      },
    });
    doc.phases = doc.phases.filter((p) => ['preflight', 'master'].includes(p.name));
    writeFileSync(book, stringify(doc));
    const started = Date.now();
    const r = await runCli(['run', book, '-i', lab.inventoryFile, '--json', '--keep-ssh'], { cwd: work, timeoutMs: 120_000 });
    const elapsed = Date.now() - started;
    expect(r.code).toBe(1);
    const failed = parseEvents(r.stdout).find((e) => e.type === 'step.failed') as unknown as Failed;
    expect([failed.host, failed.step]).toEqual(['cp-1', 'mismatch']);
    expect(failed.error.message).toContain('waiting at a prompt no answer matches: "Continue (y/N)?"');
    expect(failed.error.message).toContain('The terminal shows:');
    expect(failed.error.message).toContain('Current platform p10 does not match installed c10f');
    // the step's timeout is five minutes: it did not wait for it
    expect(elapsed).toBeLessThan(60_000);
  }, 150_000);

  it('without cluster.platform every podsec program uses the master\'s /etc/os-release branch (c10f): signing, init and joins', async () => {
    const { work, lab } = await newLab({ controlPlanes: 0, workers: 1, lbs: 0 });
    const inventory = parse(readFileSync(lab.inventoryFile, 'utf8')) as { cluster: Record<string, unknown> };
    delete inventory.cluster['platform'];
    writeFileSync(lab.inventoryFile, stringify(inventory), { mode: 0o600 });
    for (const n of lab.nodes) writeFileSync(nodeFile(lab, n.name, '/etc/os-release'), 'NAME="ALT SP Server"\nVERSION="10.2"\nALT_BRANCH_ID=c10f2\nCPE_NAME="cpe:/o:alt:spserver:10.2"\n');
    const master = await connectNode(lab, 'cp-1');
    try {
      await makeArchive(master, ARCHIVE, 'c10f');
    } finally {
      master.end();
    }
    const r = await runCli(['run', playbook('cluster'), '-i', lab.inventoryFile, '--json', '--keep-ssh'], { cwd: work, timeoutMs: 120_000 });
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const registry = JSON.parse(readFileSync(nodeFile(lab, 'cp-1', '/var/lib/lab/registry.json'), 'utf8')) as { images: Record<string, unknown> };
    expect(Object.keys(registry.images)).toContain('c10f/kube-apiserver');
    expect(actions(lab, 'cp-1').find((a) => a.argv[0] === 'podsec-load-sign-oci')).toMatchObject({ repo: 'registry.local/c10f', exit: 0 });
    expectFaithfulPodsecUse(lab, ['worker-1'], { kubeVersion: 'v1.28.3', registry: 'registry.local', platform: 'c10f' });
  }, 150_000);
});

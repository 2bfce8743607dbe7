// The master's image archive the lab makes: a real xz'd tar in podsec-k8s-save-oci's layout, and
// the same image list the stand-ins (lab/standins/lib/images.mjs) push and pull.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveImages, buildImageArchive } from '../../lab/image-archive.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe('the lab image archive', () => {
  it('is an xz-compressed tar with ARCH/index.json naming every image under the platform', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podsec-archive-'));
    dirs.push(dir);
    const file = join(dir, 'images.tar.xz');
    buildImageArchive(file, { kubeVersion: 'v1.28.3', platform: 'c10f' });
    const members = execFileSync('tar', ['-tJf', file], { encoding: 'utf8' }).split('\n');
    expect(members).toEqual(expect.arrayContaining(['amd64/', 'amd64/index.json', 'amd64/oci-layout']));
    const index = JSON.parse(execFileSync('sh', ['-c', `xz -dc < '${file}' | tar -xOf - --wildcards '*amd64/index.json'`], { encoding: 'utf8' }));
    const refs = index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name']);
    expect(refs[0]).toBe('c10f/kube-apiserver:v1.28.3');
    expect(refs).toHaveLength(9);
  });

  it('holds the images the stand-ins know', () => {
    const mjs = fileURLToPath(new URL('../../lab/standins/lib/images.mjs', import.meta.url));
    const theirs = execFileSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(mjs)}).then((m) => console.log(JSON.stringify(m.archiveImages('v1.30.1'))))`], { encoding: 'utf8' });
    expect(archiveImages('v1.30.1')).toEqual(JSON.parse(theirs));
  });
});

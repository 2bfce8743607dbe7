// The image archive podsec-k8s-save-oci / podsec-save-oci make (podsec/bin/podsec-save-oci,
// alt-cloud/podsec commit 5014172): `tar cvCf DIR - ARCH | xz -9v > ARCH.tar.xz`, an OCI layout
// per architecture whose index.json names each image in its ref-name annotation
// ("p10/kube-apiserver:v1.28.3"). A real .tar.xz, made and read with the host's tar and xz, so
// podsec-play's own reading of an archive (xz -dc | tar -xO) works on lab and real nodes alike.
// No node access here: the lab's seed uses this outside any node.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveImages } from './images.mjs';

/** Write `file`: an xz-compressed tar with ARCH/oci-layout and ARCH/index.json for the images. */
export function buildArchive(file, { kubeVersion, platform, arch = 'amd64' }) {
  const work = mkdtempSync(join(tmpdir(), 'podsec-lab-oci-'));
  try {
    const dir = join(work, arch);
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}');
    const manifests = archiveImages(kubeVersion).map(({ name, tag }) => {
      const ref = `${platform}/${name}:${tag}`;
      const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', annotations: { lab: ref } });
      const hex = createHash('sha256').update(body).digest('hex');
      writeFileSync(join(dir, 'blobs', 'sha256', hex), body);
      return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex}`, size: body.length, annotations: { 'org.opencontainers.image.ref.name': ref } };
    });
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
    execFileSync('tar', ['-cJf', file, '-C', work, arch], { stdio: ['ignore', 'ignore', 'pipe'] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `xz -d < archive | tar xvCf DIR -` then DIR/ARCH/index.json, as podsec-load-sign-oci does:
 * { members } (what tar -v lists), { error: 'unfold' } when it is no xz'd tar, { error: 'arch' }
 * without ARCH/, { error: 'index' } without ARCH/index.json.
 */
export function readArchive(file, arch) {
  let listing;
  try {
    listing = execFileSync('tar', ['-tJf', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return { error: 'unfold' };
  }
  const members = listing.split('\n').filter(Boolean);
  const norm = (m) => m.replace(/^\.\//, '');
  if (!members.some((m) => norm(m) === `${arch}/` || norm(m).startsWith(`${arch}/`))) return { error: 'arch', members };
  const indexMember = members.find((m) => norm(m) === `${arch}/index.json`);
  if (!indexMember) return { error: 'index', members };
  const index = JSON.parse(execFileSync('tar', ['-xJOf', file, indexMember], { encoding: 'utf8' }));
  const refs = (index.manifests ?? []).flatMap((m) => Object.values(m.annotations ?? {}));
  return { members, refs };
}

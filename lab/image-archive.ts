// The master's Kubernetes image archive, as podsec-k8s-save-oci / podsec-save-oci make it
// (podsec/bin/podsec-save-oci, alt-cloud/podsec commit 5014172): `tar cvCf DIR - ARCH | xz`, an
// OCI layout per architecture whose index.json names each image in its ref-name annotation
// (`p10/kube-apiserver:v1.28.3`). A real .tar.xz made with the host's tar and xz, so podsec-play's
// own reading (xz -dc | tar -xO) and the podsec-load-sign-oci stand-in work on it as on a real
// node. Made here, in the lab process, rather than by a stand-in module: a packed executable
// cannot import one. The image list is the stand-ins' (lab/standins/lib/images.mjs), kept equal
// by test/lab/image-archive.test.ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What `kubeadm config images list` gives for a version, and the two flannel images. */
export function archiveImages(kubeVersion: string): { name: string; tag: string }[] {
  return [
    { name: 'kube-apiserver', tag: kubeVersion },
    { name: 'kube-controller-manager', tag: kubeVersion },
    { name: 'kube-scheduler', tag: kubeVersion },
    { name: 'kube-proxy', tag: kubeVersion },
    { name: 'pause', tag: '3.9' },
    { name: 'etcd', tag: '3.5.9-0' },
    { name: 'coredns', tag: 'v1.10.1' },
    { name: 'flannel', tag: 'v0.22.3' },
    { name: 'flannel-cni-plugin', tag: 'v1.2.0' },
  ];
}

/** Write `file`: an xz-compressed tar with ARCH/oci-layout, ARCH/index.json and the manifests. */
export function buildImageArchive(file: string, o: { kubeVersion: string; platform: string; arch?: string }): void {
  const arch = o.arch ?? 'amd64';
  const work = mkdtempSync(join(tmpdir(), 'podsec-lab-oci-'));
  try {
    const dir = join(work, arch);
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}');
    const manifests = archiveImages(o.kubeVersion).map(({ name, tag }) => {
      const ref = `${o.platform}/${name}:${tag}`;
      const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', annotations: { lab: ref } });
      const hex = createHash('sha256').update(body).digest('hex');
      writeFileSync(join(dir, 'blobs', 'sha256', hex), body);
      return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex}`, size: body.length, annotations: { 'org.opencontainers.image.ref.name': ref } };
    });
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
    // The system directories too: tar runs xz, and the caller's PATH may be bare (a packed
    // executable started with no /usr/bin on PATH, say); the lab's nodes get the same ones.
    const path = [process.env['PATH'], '/usr/local/bin', '/usr/bin', '/bin'].filter(Boolean).join(':');
    execFileSync('tar', ['-cJf', file, '-C', work, arch], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PATH: path } });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

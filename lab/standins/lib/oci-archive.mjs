// Reading the image archive podsec-k8s-save-oci / podsec-save-oci make (podsec/bin/
// podsec-save-oci, alt-cloud/podsec commit 5014172): `tar cvCf DIR - ARCH | xz -9v >
// ARCH.tar.xz`, an OCI layout per architecture whose index.json names each image in its
// ref-name annotation ("p10/kube-apiserver:v1.28.3"). A real .tar.xz (lab/image-archive.ts makes
// the master's), read with the host's tar and xz as podsec-load-sign-oci does.
import { execFileSync } from 'node:child_process';

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

// What podsec-load-sign-oci should have left behind, checked rather than trusted: the script
// (podsec/bin/podsec-load-sign-oci, alt-cloud/podsec commit 5014172) exits 0 even when `skopeo
// copy` or `podman push --sign-by` fails. So: the archive's image list (its OCI index, read with
// xz and tar on the master), where the script pushes each image, and for each the registry's
// manifest digest (docker-registry on registry.local, plain HTTP) and the signature podman wrote
// for that digest in the lookaside staging directory (/var/sigstore/sigstore/<repository>@sha256=
// <hex>/signature-1, as containers/image lays it out).
import { quote } from '../../engine/util/shell.js';
import type { Remote } from './remote.js';

export const SIGSTORE_DIR = '/var/sigstore/sigstore';

/** The refs (`p10/kube-apiserver:v1.28.3`) in ARCH/index.json of an archive, or an error. */
export async function archiveRefs(master: Remote, archive: string, arch: string): Promise<{ refs: string[] } | { error: string }> {
  const r = await master.exec(`xz -dc < ${quote(archive)} | tar -xOf - --wildcards ${quote(`*${arch}/index.json`)}`);
  if (r.exitCode !== 0 || r.stdout.trim() === '') return { error: `cannot read ${arch}/index.json from ${archive}: ${r.stderr.trim() || `exit ${r.exitCode}`}` };
  try {
    const index = JSON.parse(r.stdout) as { manifests?: { annotations?: Record<string, string> }[] };
    const refs = (index.manifests ?? []).flatMap((m) => Object.values(m.annotations ?? {}));
    return refs.length > 0 ? { refs } : { error: `${archive}: ${arch}/index.json names no images` };
  } catch {
    return { error: `${archive}: ${arch}/index.json is not JSON` };
  }
}

/** The platform an archive's images are filed under (the first ref's first path component). */
export function archivePlatform(refs: readonly string[]): string {
  return (refs[0] ?? '').split('/')[0] ?? '';
}

/**
 * Where the script pushes each ref: `registry/path` (default registry.local/<platform>); a ref
 * under the archive's platform goes to registry/path/<rest>, any other to registry.local/<ref>.
 * Returns repository paths without the registry host (`p10/kube-apiserver:v1.28.3`).
 */
export function pushedRefs(refs: readonly string[], o: { platform: string; registryPath?: string }): string[] {
  const target = o.registryPath ?? `registry.local/${o.platform}`;
  const path = target.split('/').slice(1).join('/');
  const base = `${archivePlatform(refs)}/`;
  return refs.map((ref) => (ref.startsWith(base) ? `${path}/${ref.slice(base.length)}` : ref));
}

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** One remote script: per ref `signed REF`, `unsigned REF DIGEST` or `missing REF`. */
export function checkScript(refs: readonly string[]): string {
  const headers = ACCEPT.map((a) => `-H ${quote(`Accept: ${a}`)}`).join(' ');
  return [
    `for ref in ${refs.map(quote).join(' ')}; do`,
    '  repo=${ref%:*}; tag=${ref##*:}',
    `  d=$(curl -sfI ${headers} "http://registry.local/v2/$repo/manifests/$tag" | tr -d '\\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p')`,
    '  if [ -z "$d" ]; then echo "missing $ref"; continue; fi',
    `  if [ -s "${SIGSTORE_DIR}/$repo@\${d%%:*}=\${d#*:}/signature-1" ]; then echo "signed $ref"; else echo "unsigned $ref $d"; fi`,
    'done',
  ].join('\n');
}

export interface RegistryVerdict {
  missing: string[];
  unsigned: string[];
}

export function parseCheck(stdout: string, refs: readonly string[]): RegistryVerdict {
  const seen = new Map<string, string>();
  for (const line of stdout.split(/\r?\n/)) {
    const [state, ref] = line.trim().split(/\s+/);
    if (state && ref) seen.set(ref, state);
  }
  return {
    missing: refs.filter((r) => seen.get(r) === 'missing' || !seen.has(r)),
    unsigned: refs.filter((r) => seen.get(r) === 'unsigned'),
  };
}

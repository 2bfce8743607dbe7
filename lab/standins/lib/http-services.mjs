// What the registry host's HTTP services answer: docker-registry's API on :80 (/v2/, _catalog,
// REPO/tags/list, REPO/manifests/TAG with its Docker-Content-Digest) from the lab's record of
// pushed images, and nginx's /var/sigstore on :81 (a directory as nginx's JSON autoindex). The
// curl stand-in answers from these on a lab node; on a testbed node (real curl) the same answers
// come from real sockets (http-daemon.mjs, started by systemctl for those units).
import { readdirSync, statSync } from 'node:fs';
import { fileOf, readText } from './files.mjs';
import { registryRecord, tagsOf, manifestOf } from './registry.mjs';

/** {status, body, headers?} for a path of docker-registry on `node`. */
export function registryAnswer(node, pathname) {
  if (pathname === '/v2/' || pathname === '/v2') return { status: 200, body: '{}' };
  if (pathname === '/v2/_catalog') return { status: 200, body: JSON.stringify({ repositories: Object.keys(registryRecord(node).images).sort() }) };
  const unknown = (name) => ({ status: 404, body: JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry', detail: { name } }] }) });
  const tags = pathname.match(/^\/v2\/(.+)\/tags\/list$/);
  if (tags) {
    const list = tagsOf(node, tags[1]);
    return list.length ? { status: 200, body: JSON.stringify({ name: tags[1], tags: list }) } : unknown(tags[1]);
  }
  const manifest = pathname.match(/^\/v2\/(.+)\/manifests\/([^/]+)$/);
  if (manifest) {
    const m = manifestOf(node, manifest[1], manifest[2]);
    if (!m) return { status: 404, body: JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: manifest[2] } }] }) };
    const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    return { status: 200, body, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': m.digest, 'Docker-Distribution-Api-Version': 'registry/2.0' } };
  }
  return { status: 404, body: '404 page not found' };
}

/** {status, body} for a path of nginx's sigstore site on `node`. */
export function sigstoreAnswer(node, pathname) {
  const rel = decodeURIComponent(pathname).replace(/\/+$/, '');
  const path = `/var/sigstore${rel.includes('..') ? '/-' : rel}`;
  let dir;
  try {
    dir = rel && statSync(fileOf(path, node)).isDirectory() ? readdirSync(fileOf(path, node)) : undefined;
  } catch {
    dir = undefined;
  }
  if (dir) return { status: 200, body: JSON.stringify(dir.map((name) => ({ name, type: statSync(fileOf(`${path}/${name}`, node)).isDirectory() ? 'directory' : 'file' }))) };
  const text = readText(rel ? path : '/var/sigstore/index.html', node);
  return text === undefined ? { status: 404, body: '<html><body><h1>404 Not Found</h1></body></html>' } : { status: 200, body: text };
}

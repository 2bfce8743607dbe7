#!/usr/bin/env node
// podsec-load-sign-oci <archive> <arch> <signer-email> [registry/path], modelling
// podsec/bin/podsec-load-sign-oci of alt-cloud/podsec commit 5014172: getPlatform
// (U7S_PLATFORM, else /etc/os-release); only on the registry/sigstore host and only for a member
// of podman_dev; default target registry.local/$U7S_PLATFORM; the archive unfolded with xz and tar
// (a real .tar.xz); when the archive's first image lies under another platform it prints
// `Continue (y/N)?` as a whole line and reads an answer, and refuses a k8s-… platform after a
// yes; then each image is copied into the user's storage and pushed with
// `podman push --tls-verify=false --sign-by=SIGNER`. A push that fails (no key, wrong
// passphrase, registry down, or a failure injected with /var/lib/lab/fail/podman-push) prints
// podman's error and the script goes on: it exits 0 whatever happened to the pushes.
// Signatures land where the user's registries.d says (lookaside-staging: /var/sigstore/sigstore/
// as podsec-create-imagemakeruser writes it).
import { standin, fail, out, err } from './lib/main.mjs';
import { currentUser, nodeByAddress, nodePath } from './lib/env.mjs';
import { readText, writeText } from './lib/files.mjs';
import { resolveName } from './lib/hosts.mjs';
import { isActive } from './lib/services.mjs';
import { groupsOf } from './lib/users.mjs';
import { findKeys, unlockKey } from './lib/gpg.mjs';
import { ask } from './lib/prompt.mjs';
import { recordPush, pushedDigest } from './lib/registry.mjs';
import { readArchive } from './lib/oci-archive.mjs';
import { getPlatform } from './lib/platform.mjs';
import { notSigstoreServer } from './lib/sigstore.mjs';
import { t } from './lib/i18n.mjs';

const ARCHES = ['amd64', 'arm64', 'arm', 'ppc64le', '386'];
const FORMAT = () => `${t('Format')}:\n\t${process.argv[1] ?? 'podsec-load-sign-oci'} archive_file_name architecture EMail_signer registry/path\n`;

/** Which images a failure injected on this node breaks: /var/lib/lab/fail/podman-push lists
 * image names (repository:tag or a bare name), one a line; an empty file breaks every push. */
function injectedPushFailure(image) {
  const text = readText('/var/lib/lab/fail/podman-push');
  if (text === undefined) return false;
  const names = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return names.length === 0 || names.some((n) => image.endsWith(`/${n}`) || image.includes(`/${n}:`));
}

/** The user's lookaside-staging directory for signatures (registries.d default-docker). */
function stagingDir() {
  const conf = readText(`${homeOf()}/.config/containers/registries.d/default.yaml`) ?? '';
  const m = conf.match(/^\s*(?:lookaside-staging|sigstore-staging):\s*file:\/\/(\S+)/m);
  return m ? m[1].replace(/\/$/, '') : `${homeOf()}/.local/share/containers/sigstore`;
}

function homeOf() {
  return currentUser() === 'root' ? '/root' : `/home/${currentUser()}`;
}

/** podman push --sign-by: sign with the user's key (gpg-agent may ask the passphrase), then
 * push to registry.local. Returns an error message, or undefined when the push went through. */
async function push(image, signBy) {
  const [hostPart, ...pathParts] = image.split('/');
  const [repoPath, tag] = pathParts.join('/').split(':');
  if (hostPart !== 'registry.local') return `Error: trying to reuse blob: pinging container registry ${hostPart}: Get "https://${hostPart}/v2/": dial tcp: lookup ${hostPart}: no such host`;
  const home = process.env.HOME ?? nodePath(homeOf());
  const keys = findKeys(home, signBy);
  if (keys.length === 0) return `Error: creating signature: signing failed: No secret key`;
  const key = keys[keys.length - 1];
  try {
    await unlockKey(key, home);
  } catch (e) {
    return `Error: creating signature: ${e.message.replace(/^gpg: /, '')}`;
  }
  if (injectedPushFailure(image)) return `Error: writing blob: initiating layer upload to /v2/${repoPath}/blobs/uploads/ in registry.local: lab: push failure injected by /var/lib/lab/fail/podman-push`;
  const ip = resolveName('registry.local');
  const regNode = ip ? nodeByAddress(ip) : undefined;
  if (!regNode || !isActive('docker-registry', regNode.name)) return `Error: trying to reuse blob sha256:… at destination: pinging container registry registry.local: Get "http://registry.local/v2/": dial tcp ${ip ?? '?'}:80: connect: connection refused`;
  const digest = pushedDigest(repoPath, tag, key.fingerprint);
  writeText(`${stagingDir()}/${repoPath}@${digest.replace(':', '=')}/signature-1`, `lab signature of ${repoPath}@${digest} by ${key.fingerprint}\n`);
  recordPush(regNode.name, repoPath, tag, digest, key.fingerprint);
  out('Getting image source signatures\nCopying blob sha256:3f8a00f137a0\nCopying config sha256:8b7e1c5f1d2a\nWriting manifest to image destination\nCreating signature: Signing image using simple signing\nStoring signatures\n');
  return undefined;
}

standin(async (args, record) => {
  const { platform: U7S_PLATFORM, notice } = getPlatform();
  if (notice) err(notice);
  const mes = notSigstoreServer();
  if (mes) fail(`${mes}\n${t('Unable to load images')}`);
  if (!groupsOf(currentUser()).includes('podman_dev')) fail(t('The script is called by a user not included in the podman_dev group'));
  if (args.length !== 3 && args.length !== 4) fail(`${t('Format')}:\n\t${process.argv[1] ?? 'podsec-load-sign-oci'} ${t('archive_file_name architecture EMail_signer [registry/path]')}\n`);
  const [archive, arch, signBy, target] = args;
  let regName;
  let base;
  if (target === undefined) {
    regName = `registry.local/${U7S_PLATFORM}`;
    base = `${U7S_PLATFORM}/`;
  } else {
    const slash = target.lastIndexOf('/');
    if (slash < 0) fail(`${t('Missing path after registry name')}\n${FORMAT()}`);
    base = target.slice(slash + 1);
    regName = `${target.slice(0, slash)}/${base}`;
    base += '/';
  }
  record.event = 'images-signed';
  record.archive = archive;
  record.repo = regName;
  const file = nodePath(archive);
  if (readText(archive) === undefined) fail(`${t('Archive')} ${archive} ${t('is missing')}\n${FORMAT()}`);
  if (!ARCHES.includes(arch)) fail(`${t('Unknown architecture')} ${arch}\n${t('Allowed: amd64, arm64, arm, ppc64le, 386')}\n${FORMAT()}`, 3);
  if (!regName.split('/')[0].includes('.')) fail(`${t('The registry name must contain a period (.) in the name')}\n${FORMAT()}`, 5);

  const unfolded = readArchive(file, arch);
  if (unfolded.error === 'unfold') fail(t('Unsuccessful archive unfolding'), 6);
  out(unfolded.members.map((m) => `${m}\n`).join(''));
  if (unfolded.error === 'arch') fail(`${t('Invalid archive format. Archive directory')} ${arch} ${t('is missing')}`, 7);
  if (unfolded.error === 'index') fail(`Invalid archive format. Architecture directory ${arch}/index.json is missing`, 8);
  const platform = (unfolded.refs[0] ?? '').split('/')[0];
  if (platform !== U7S_PLATFORM) {
    err(`${t('Current platform')} ${U7S_PLATFORM} ${t('does not match installed')} ${platform}\n`);
    err(`${t('Continue (y/N)?')}\n`);
    const answer = await ask('');
    record.platformQuestion = { current: U7S_PLATFORM, archive: platform, answer: answer === 'y' ? 'y' : 'other' };
    if (answer !== 'y') return 1;
    if (platform.startsWith('k8s-')) {
      out('C 31.08.2025 префикс k8- в имени образа не поддерживается (см. https://www.altlinux.org/Registry_(%D0%9D%D0%BE%D0%B2%D0%B0%D1%8F_%D1%81%D1%82%D1%80%D1%83%D0%BA%D1%82%D1%83%D1%80%D0%B0))\n');
      return 1;
    }
    base = `${platform}/`;
  }
  const images = unfolded.refs.map((ref) => {
    err(`${t('Deploying the image')} ${ref} ${t('to the local system')}\n`);
    return ref.startsWith(base) ? `${regName}/${ref.slice(base.length)}` : `registry.local/${ref}`;
  });
  const failed = [];
  for (const image of images) {
    err(`${t('Signing and transferring the')} ${image} ${t('to the registry')}\n`);
    const problem = await push(image, signBy);
    if (problem) {
      err(`${problem}\n`);
      failed.push(image);
    }
  }
  record.pushed = images.length - failed.length;
  if (failed.length) record.pushFailed = failed;
  return 0;
});

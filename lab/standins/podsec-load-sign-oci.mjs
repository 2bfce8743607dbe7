#!/usr/bin/env node
// podsec-load-sign-oci <archive> <arch> <signer-email> [registry/path]: only on the registry
// (sigstore) host and only as a member of podman_dev; asks `Continue (y/N)?` when the archive
// declares another platform; signs with the signer's GPG key (passphrase on the terminal) and
// pushes the Kubernetes images to registry.local (recorded in /var/lib/lab/registry.json).
import { createHash } from 'node:crypto';
import { standin, fail, out } from './lib/main.mjs';
import { currentUser, nodeInfo, NODE } from './lib/env.mjs';
import { readText, exists, makeDir, writeText } from './lib/files.mjs';
import { resolveName } from './lib/hosts.mjs';
import { isActive } from './lib/services.mjs';
import { groupsOf } from './lib/users.mjs';
import { findKeys, unlockKey } from './lib/gpg.mjs';
import { ask } from './lib/prompt.mjs';
import { K8S_IMAGES, recordPush } from './lib/registry.mjs';

const ARCHES = ['amd64', 'arm64', 'arm', 'ppc64le', '386'];

standin(async (args, record) => {
  const reg = resolveName('registry.local');
  if (reg !== nodeInfo()?.internalAddress || !isActive('nginx') || !isActive('docker-registry')) {
    fail('podsec-load-sign-oci: this host is not the registry and sigstore server (run podsec-create-services here first)\nImages cannot be loaded');
  }
  const user = currentUser();
  if (!groupsOf(user).includes('podman_dev')) fail(`podsec-load-sign-oci: called by ${user}, who is not in the podman_dev group`);
  if (args.length !== 3 && args.length !== 4) fail('Usage:\n\tpodsec-load-sign-oci <archive> <arch> <signer-email> [registry/path]');
  const [archive, arch, signBy, regName = 'registry.local/k8s-p10'] = args;
  if (!exists(archive)) fail(`podsec-load-sign-oci: archive ${archive} not found`);
  if (!ARCHES.includes(arch)) fail(`podsec-load-sign-oci: unknown architecture ${arch}\nAllowed: ${ARCHES.join(', ')}`, 3);
  if (!regName.split('/')[0].includes('.')) fail('podsec-load-sign-oci: the registry name must contain a dot (.)', 5);
  record.event = 'images-signed';
  record.archive = archive;
  record.repo = regName;

  const declared = (readText(archive) ?? '').match(/^# lab-oci-archive arch=(\S+)/)?.[1];
  if (declared && declared !== arch) {
    const answer = await ask(`The archive holds images for ${declared}, not ${arch}. Continue (y/N)? `);
    if (!/^y(es)?$/i.test((answer ?? '').trim())) fail('\nCancelled');
  }
  const keys = findKeys(process.env.HOME ?? '', signBy);
  if (keys.length === 0) fail(`gpg: skipped "${signBy}": No secret key\nError: signing failed: No secret key`);
  const key = keys[keys.length - 1];
  for (const image of K8S_IMAGES) out(`Unpacking image ${image} into local storage\n`);
  await unlockKey(key);
  for (const image of K8S_IMAGES) {
    out(`Signing and pushing image ${regName}/${image}\n`);
    const digest = createHash('sha256').update(`${regName}/${image}:${key.fingerprint}`).digest('hex');
    writeText(`/var/sigstore/sigstore/${regName.split('/').slice(1).join('/')}/${image}@sha256=${digest}/signature-1`, `lab signature by ${key.fingerprint}\n`);
  }
  makeDir('/var/lib/lab');
  recordPush(NODE, regName, { arch, signedBy: key.fingerprint, images: K8S_IMAGES, pushedAt: new Date().toISOString() });
  record.signedBy = key.fingerprint;
  return 0;
});

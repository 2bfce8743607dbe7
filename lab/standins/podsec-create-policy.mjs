#!/usr/bin/env node
// podsec-create-policy <registry-IP>: groups podman/podman_dev, the registry line in /etc/hosts
// (exits 1 when any of its names is already there: not re-runnable), a reject-by-default
// /etc/containers/policy.json, registries.d/default.yaml, registry.local marked insecure. On a
// node that is not the registry host it fetches the policy and keys from it (newer podsec).
import { readdirSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { standin, fail, out } from './lib/main.mjs';
import { currentUser, nodeInfo, nodeByAddress } from './lib/env.mjs';
import { appendText, readText, writeText, makeDir, fileOf, exists } from './lib/files.mjs';
import { hostsEntries } from './lib/hosts.mjs';
import { addGroup } from './lib/users.mjs';
import { isActive } from './lib/services.mjs';

const NAMES = ['registry.local', 'sigstore.local', 'trivy.local'];
const DEFAULT_POLICY = { default: [{ type: 'reject' }], transports: { docker: {}, 'docker-daemon': { '': [{ type: 'insecureAcceptAnything' }] } } };
const REGISTRIES_D = 'default-docker:\n  lookaside: http://sigstore.local:81/sigstore/\n  sigstore: http://sigstore.local:81/sigstore/\n';

standin(async (args, record) => {
  if (args.length !== 1) fail('Usage: podsec-create-policy <registry-IP>');
  const ip = args[0];
  if (!/^(\d{1,3})(\.\d{1,3}){3}$/.test(ip) || ip.split('.').some((o) => Number(o) > 255)) fail(`podsec-create-policy: "${ip}" is not an IPv4 address`);
  if (ip === '127.0.0.1') fail('podsec-create-policy: the registry address must not be 127.0.0.1');
  if (currentUser() !== 'root') fail('podsec-create-policy: must be run as root');
  const clash = hostsEntries().find((e) => e.names.some((n) => NAMES.includes(n)));
  if (clash) fail(`podsec-create-policy: /etc/hosts already names ${clash.names.filter((n) => NAMES.includes(n)).join(', ')} (${clash.ip}); remove that line first`);

  addGroup('podman', { system: true });
  addGroup('podman_dev', { system: true });
  appendText('/etc/hosts', `${ip}\t${NAMES.join(' ')}\n`);
  const registryHost = nodeInfo()?.internalAddress === ip;
  record.event = 'policy-created';
  record.registry = ip;
  record.registryHost = registryHost;

  const regNode = nodeByAddress(ip);
  const fetched = !registryHost && regNode && isActive('nginx', regNode.name) && exists('/var/sigstore/keys/policy.json', regNode.name);
  if (fetched) {
    writeText('/etc/containers/policy.json', readText('/var/sigstore/keys/policy.json', regNode.name));
    mkdirSync(fileOf('/var/sigstore/keys'), { recursive: true });
    const src = fileOf('/var/sigstore/keys', regNode.name);
    for (const f of readdirSync(src).filter((f) => f.endsWith('.pgp'))) copyFileSync(join(src, f), join(fileOf('/var/sigstore/keys'), f));
    record.fetchedFrom = regNode.name;
  } else {
    writeText('/etc/containers/policy.json', JSON.stringify(DEFAULT_POLICY, null, 2) + '\n');
  }
  writeText('/etc/containers/registries.d/default.yaml', REGISTRIES_D);
  const conf = readText('/etc/containers/registries.conf') ?? '';
  if (!conf.includes('location = "registry.local"')) appendText('/etc/containers/registries.conf', '\n[[registry]]\nlocation = "registry.local"\ninsecure = true\n');
  if (registryHost) {
    makeDir('/var/sigstore/keys');
    makeDir('/var/sigstore/sigstore');
  }
  out(`Policy created: registry.local, sigstore.local, trivy.local -> ${ip}${fetched ? ` (policy and keys fetched from ${regNode.name})` : ''}\n`);
  return 0;
});

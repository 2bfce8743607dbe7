#!/usr/bin/env node
// podsec-create-policy <registry-IP>, modelling podsec/bin/podsec-create-policy of alt-cloud/podsec
// commit 5014172, in its order: one IPv4, not 127.0.0.1; groups podman and podman_dev;
// kernel.unprivileged_userns_clone=1 (/etc/sysctl.d/99-podman.conf and sysctl -w); `control
// newgidmap/newuidmap podmanonly`; exits 1 when /etc/hosts already has a line with that IP naming
// registry.local, sigstore.local or trivy.local (not re-runnable), else appends
// `IP registry.local sigstore.local trivy.local`; /var/sigstore/keys (plus sigstore/ and
// index.html on the registry host); policy.json: reject-by-default on the registry host,
// elsewhere the registry host's keys and policy.json fetched from http://sigstore.local:81/keys/
// (when that fails the new policy.json is missing: a dangling link on a real node);
// registries.d/default.yaml (lookaside http://sigstore.local:81/sigstore/); registry.local marked
// insecure in registries.conf (unless a registry.local location is already there). Messages in
// the node's language.
import { chmodSync, readdirSync } from 'node:fs';
import { standin, fail, err } from './lib/main.mjs';
import { currentUser, nodeInfo, nodeByAddress } from './lib/env.mjs';
import { appendText, readText, writeText, makeDir, fileOf, remove } from './lib/files.mjs';
import { addGroup, applyOwner } from './lib/users.mjs';
import { isActive } from './lib/services.mjs';
import { resolveName } from './lib/hosts.mjs';
import { t } from './lib/i18n.mjs';

const NAMES = ['registry.local', 'sigstore.local', 'trivy.local'];
const REGISTRY_POLICY = { default: [{ type: 'reject' }], transports: { docker: {} } };
const REGISTRIES_D = 'default-docker:\n  lookaside: http://sigstore.local:81/sigstore/\n  sigstore: http://sigstore.local:81/sigstore/\n';
const FORMAT = () => `${t('Format')}:\\n\\t${process.argv[1] ?? 'podsec-create-policy'} <ip_address_of_registrar_and_signature_server>\\n`;

/** `curl -s http://sigstore.local:81/keys/` and each file it lists, from this node. */
function fetchKeys() {
  const ip = resolveName('sigstore.local');
  const regNode = ip ? nodeByAddress(ip) : undefined;
  if (!regNode || !isActive('nginx', regNode.name)) return undefined;
  let names;
  try {
    names = readdirSync(fileOf('/var/sigstore/keys', regNode.name));
  } catch {
    return undefined;
  }
  makeDir('/var/sigstore/keys');
  for (const f of names) writeText(`/var/sigstore/keys/${f}`, readText(`/var/sigstore/keys/${f}`, regNode.name) ?? '');
  return { from: regNode.name, files: names };
}

standin(async (args, record) => {
  if (args.length < 1) fail(`${t('The IP address of the registry and signature server is not specified')}\n${FORMAT()}`);
  if (args.length > 1) fail(`Only one IP address of the registry and signature server must be specified.\n${FORMAT()}`);
  const ip = args[0];
  if (ip === '127.0.0.1') fail(`${t('The IP address of the registry and signature server must not be local')}: ${ip}`);
  if (ip.split('.').length !== 4) fail(`${t('Invalid IP address')}: ${ip}`, 2);
  if (currentUser() !== 'root') fail(`groupadd: Permission denied.\n${ip}: ${t('Invalid IP address')}`);

  addGroup('podman', { system: true });
  addGroup('podman_dev', { system: true });
  writeText('/etc/sysctl.d/99-podman.conf', 'kernel.unprivileged_userns_clone=1\n');
  writeText('/var/lib/lab/sysctl.json', JSON.stringify({ 'kernel.unprivileged_userns_clone': 1 }) + '\n');
  process.stdout.write('kernel.unprivileged_userns_clone = 1\n');
  writeText('/var/lib/lab/control.json', JSON.stringify({ newgidmap: 'podmanonly', newuidmap: 'podmanonly' }) + '\n');
  const localIP = nodeInfo()?.internalAddress === ip;

  for (const line of (readText('/etc/hosts') ?? '').split('\n').filter((l) => l.includes(ip))) {
    const [bound, ...names] = line.trim().split(/\s+/);
    if (names.some((n) => NAMES.includes(n))) {
      fail(`${t('Domains registry.local sigstore.local trivy.local are already bound to IP address')} ${bound}\n${t('Remove the binding and run the script again')}`);
    }
  }
  err(`${t('Adding a binding of domains registry.local sigstore.local trivy.local to IP address')} ${ip}\n`);
  appendText('/etc/hosts', `${ip} ${NAMES.join(' ')}\n`);
  record.event = 'policy-created';
  record.registry = ip;
  record.registryHost = localIP;

  err(`${t('Creating podman group')}\n${t('Creating the directory and subdirectories')} /var/sigstore/\n`);
  makeDir('/var/sigstore/keys');
  chmodSync(fileOf('/var/sigstore/keys'), 0o775); // mkdir -p -m 0775
  if (localIP) {
    err(`${t('Creating the podman_dev group')}\n`);
    applyOwner('/var/sigstore/keys', 'root', 'podman_dev');
    makeDir('/var/sigstore/sigstore');
    chmodSync(fileOf('/var/sigstore/sigstore'), 0o775);
    applyOwner('/var/sigstore/sigstore', 'root', 'podman_dev');
    writeText('/var/sigstore/index.html', '<html><body><h1>SigStore works!</h1></body></html>\n');
  } else applyOwner('/var/sigstore/keys', 'root', 'podman');

  err(`${t('Creating with preservation of the previous policy file')} /etc/containers/policy.json\n`);
  if (localIP) writeText('/etc/containers/policy.json', JSON.stringify(REGISTRY_POLICY, null, 2) + '\n');
  else {
    const fetched = fetchKeys();
    const policy = readText('/var/sigstore/keys/policy.json');
    if (fetched) record.fetchedFrom = fetched.from;
    // cp /var/sigstore/keys/policy.json policy_NOW; ln -sf policy_NOW policy.json: without the
    // fetched file the link dangles, which reads as a missing policy.json.
    if (policy !== undefined) writeText('/etc/containers/policy.json', policy);
    else remove('/etc/containers/policy.json');
  }
  writeText('/etc/containers/registries.d/default.yaml', REGISTRIES_D);

  err(`${t('Adding insecure access to the registry.local registry in the')} /etc/containers/registries.conf file\n`);
  const conf = readText('/etc/containers/registries.conf') ?? '';
  if (!/^location.*=.*registry\.local/m.test(conf)) writeText('/etc/containers/registries.conf', `${conf}\n[[registry]]\nlocation = "registry.local"\ninsecure = true\n`);
  return 0;
});

#!/usr/bin/env node
// podsec-create-services: nginx on :81 serving /var/sigstore, docker-registry on :80, trivy.
// Refuses unless /etc/hosts binds registry.local to this node's own address.
// Models: podsec/bin/podsec-create-services of alt-cloud/podsec commit 5014172 (its effect: the three services).
import { standin, fail, out } from './lib/main.mjs';
import { currentUser, nodeInfo } from './lib/env.mjs';
import { makeDir, writeText, exists } from './lib/files.mjs';
import { resolveName } from './lib/hosts.mjs';
import { setUnitState } from './lib/services.mjs';

standin(async (args, record) => {
  if (currentUser() !== 'root') fail('podsec-create-services: must be run as root');
  const ip = resolveName('registry.local');
  const mine = nodeInfo()?.internalAddress;
  if (!ip) fail('podsec-create-services: registry.local is not in /etc/hosts (run podsec-create-policy first)');
  if (ip !== mine) fail(`podsec-create-services: registry.local is bound to ${ip} in /etc/hosts, which is not an address of this host (${mine})`);
  makeDir('/var/sigstore/keys');
  makeDir('/var/sigstore/sigstore');
  if (!exists('/var/sigstore/index.html')) writeText('/var/sigstore/index.html', '<html><body><h1>SigStore works!</h1></body></html>\n');
  const since = new Date().toISOString();
  for (const unit of ['nginx', 'docker-registry', 'trivy']) setUnitState(unit, { enabled: true, active: true, since });
  record.event = 'services-created';
  out('Services started: nginx (sigstore.local:81), docker-registry (registry.local:80), trivy (trivy.local)\n');
  return 0;
});

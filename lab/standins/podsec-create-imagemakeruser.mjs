#!/usr/bin/env node
// podsec-create-imagemakeruser [user[@repo_path]] (default imagemaker@registry.local): adds the
// user (groups podman, podman_dev), asks its password (passwd) and runs the interactive
// `gpg2 --full-generate-key` as that user on the terminal, exports the key to
// /var/sigstore/keys/<user>.pgp, adds a signedBy rule for the repo to the policy and copies the
// policy to /var/sigstore/keys/policy.json.
import { standin, fail } from './lib/main.mjs';
import { currentUser, nodePath } from './lib/env.mjs';
import { readText, writeText, makeDir } from './lib/files.mjs';
import { addGroup, addUser, addToGroup, userEntry } from './lib/users.mjs';
import { changePassword } from './lib/passwd.mjs';
import { fullGenerateKey, armoredPublicKey } from './lib/gpg.mjs';
import { logAction } from './lib/log.mjs';

standin(async (args, record) => {
  if (args.length > 1) fail('Usage: podsec-create-imagemakeruser [user[@repo_path]]');
  const [user, repo = 'registry.local'] = (args[0] ?? 'imagemaker@registry.local').split('@');
  if (!/^[a-z_][a-z0-9_-]*$/.test(user ?? '')) fail(`podsec-create-imagemakeruser: invalid user name "${user}"`);
  if (currentUser() !== 'root') fail('podsec-create-imagemakeruser: must be run as root');
  const policyText = readText('/etc/containers/policy.json');
  if (policyText === undefined) fail('podsec-create-imagemakeruser: /etc/containers/policy.json not found (run podsec-create-policy first)');
  record.event = 'imagemaker-created';
  record.imagemaker = user;
  record.repo = repo;

  addGroup('podman', { system: true });
  addGroup('podman_dev', { system: true });
  addUser(user, { group: 'podman', groups: ['podman_dev', 'wheel'] });
  for (const g of ['podman_dev', 'wheel']) addToGroup(user, g);
  const home = userEntry(user)?.home ?? `/home/${user}`;
  makeDir(home);

  let step = 'passwd';
  try {
    await changePassword(user);
    logAction({ argv: ['passwd', user], parent: 'podsec-create-imagemakeruser', event: 'password-set', exit: 0 });
    step = 'gpg2';
    const key = await fullGenerateKey(nodePath(home));
    logAction({ argv: ['gpg2', '--full-generate-key'], user, parent: 'podsec-create-imagemakeruser', event: 'key-generated', fingerprint: key.fingerprint, exit: 0 });
    const keyPath = `/var/sigstore/keys/${user}.pgp`;
    makeDir('/var/sigstore/keys');
    writeText(keyPath, armoredPublicKey(key));
    const policy = JSON.parse(policyText);
    policy.transports ??= {};
    policy.transports.docker ??= {};
    policy.transports.docker[repo] = [{ type: 'signedBy', keyType: 'GPGKeys', keyPath }];
    const text = JSON.stringify(policy, null, 2) + '\n';
    writeText('/etc/containers/policy.json', text);
    writeText('/var/sigstore/keys/policy.json', text);
    record.keyPath = keyPath;
    record.fingerprint = key.fingerprint;
  } catch (e) {
    logAction({ argv: step === 'passwd' ? ['passwd', user] : ['gpg2', '--full-generate-key'], parent: 'podsec-create-imagemakeruser', exit: e.code ?? 1 });
    throw e;
  }
  return 0;
});

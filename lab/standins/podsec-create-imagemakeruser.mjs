#!/usr/bin/env node
// podsec-create-imagemakeruser [user[@repo_path] …] (default imagemaker@registry.local), modelling
// podsec/bin/podsec-create-imagemakeruser of alt-cloud/podsec commit 5014172: as root, only on
// the registry/sigstore host (/etc/hosts binds registry.local or sigstore.local to one of its
// addresses), after podsec-create-policy (/var/sigstore/ exists). Per user: `adduser USER -g
// podman -G podman_dev`, `passwd USER` on the terminal (in the caller's locale), a signedBy rule
// for the repo in the policy (also copied to /var/sigstore/keys/policy.json), then
// `su - -c 'gpg2 --full-generate-key' USER` — a login session, so the node's system locale, not
// the caller's — and the key found with `gpg2 --list-keys` exported to
// /var/sigstore/keys/USER.pgp (none: "Public key not found", exit 1).
import { spawn } from 'node:child_process';
import { standin, fail, err } from './lib/main.mjs';
import { currentUser, nodePath } from './lib/env.mjs';
import { readText, writeText, makeDir, exists } from './lib/files.mjs';
import { addUser, applyOwner, groupEntry, userEntry } from './lib/users.mjs';
import { readKeyring, armoredPublicKey } from './lib/gpg.mjs';
import { notSigstoreServer } from './lib/sigstore.mjs';
import { t } from './lib/i18n.mjs';

function users(args) {
  if (args.length === 0) return [['imagemaker', 'registry.local']];
  const list = args.length === 1 && !args[0].includes('@') ? [`${args[0]}@registry.local`] : args;
  return list.map((u) => {
    const [user, repo, extra] = u.split('@');
    if (!user || !repo || extra !== undefined) fail(`${t('Invalid repository path description format for user')} ${user}; ${t('Format')}: <user>@<repository_path>`);
    return [user, repo];
  });
}

function run(argv) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

standin(async (args, record) => {
  if (currentUser() !== 'root') fail(t('The script must be run by a user with root rights.'));
  err(`${t('Check if the current server is a server that supports the registry (registry.local) and the image signing server (sigstore.local)')}\n`);
  const mes = notSigstoreServer();
  if (mes) fail(`${mes}\n${t('It is not possible to create users of the container image developer class')}`);
  const list = users(args);
  if (!exists('/var/sigstore')) fail(`${t('Signature server directory /var/sigstore/ not created')}\n${t('Call the podsec-create-policy script to initialize it')}`);
  const policyText = readText('/etc/containers/policy.json');
  let policy;
  try {
    policy = JSON.parse(policyText ?? '');
  } catch {
    policy = undefined;
  }
  record.event = 'imagemaker-created';

  for (const [user, repo] of list) {
    record.imagemaker = user;
    record.repo = repo;
    if (!groupEntry('podman')) err("useradd: group 'podman' does not exist\n");
    else addUser(user, { group: 'podman', groups: ['podman_dev'] });
    err(`${t('Enter the password for user')} ${user} - ${t('the container image developer')}\n`);
    // passwd and gpg2 run as child programs, like the script's: they read the terminal themselves.
    await run(['passwd', user]);
    const home = `/home/${user}`;
    makeDir(`${home}/.config/containers/registries.d`);
    if (policy) {
      policy.transports ??= {};
      policy.transports.docker ??= {};
      policy.transports.docker[repo] = [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: `/var/sigstore/keys/${user}.pgp` }];
      writeText('/var/sigstore/keys/policy.json', JSON.stringify(policy, null, 2) + '\n');
    }
    writeText(`${home}/.config/containers/registries.d/default.yaml`, 'default-docker:\n  lookaside: http://sigstore.local:81/sigstore/\n  sigstore: http://sigstore.local:81/sigstore/\n  lookaside-staging: file:///var/sigstore/sigstore/\n  sigstore-staging: file:///var/sigstore/sigstore/\n');
    if (userEntry(user)) applyOwner(home, user, 'podman', { recursive: true }); // cd /home/$user; chown -R $user:podman .
    if (userEntry(user)) await run(['su', '-', '-c', 'gpg2 --full-generate-key', user]);
    const keys = userEntry(user) ? readKeyring(nodePath(home)) : [];
    const key = keys[keys.length - 1];
    if (!key) fail(t('Public key not found'));
    writeText(`/var/sigstore/keys/${user}.pgp`, armoredPublicKey(key));
    record.keyPath = `/var/sigstore/keys/${user}.pgp`;
    record.fingerprint = key.fingerprint;
  }
  if (policy) writeText('/etc/containers/policy.json', JSON.stringify(policy, null, 2) + '\n');
  for (const [user] of list) {
    if (!userEntry(user) || !policy) continue;
    writeText(`/home/${user}/.config/containers/policy.json`, JSON.stringify({ ...policy, default: [{ type: 'insecureAcceptAnything' }] }, null, 2) + '\n');
  }
  return 0;
});

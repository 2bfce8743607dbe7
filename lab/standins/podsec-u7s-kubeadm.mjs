#!/usr/bin/env node
// The podsec wrapper, /usr/libexec/podsec/u7s/bin/kubeadm → /usr/bin/podsec-u7s-kubeadm: models
// podsec-k8s/bin/podsec-u7s-kubeadm and podsec-u7s-functions of alt-cloud/podsec commit 5014172
// (apt-get on every call, getopt against usernetes/env/u7s_flags, every subcommand but init and
// join passed to the native kubeadm inside u7s-admin's namespaces, the etcd question before the
// clean-up, flannel applied by the first master itself). See lib/wrapper.mjs.
import { standin } from './lib/main.mjs';
import { wrapper } from './lib/wrapper.mjs';

standin((args, record) => wrapper(args, record));

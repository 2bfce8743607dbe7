#!/usr/bin/env node
// The podsec wrapper (/usr/libexec/podsec/u7s/bin/kubeadm → /usr/bin/podsec-u7s-kubeadm):
// init and join with the wrapper's hazards (apt-get update, wipe of /etc/kubernetes and
// /etc/cni, `Clear directory? y/N` when etcd data exists, secrets in its env file); every other
// subcommand passes through to kubeadm.
import { standin } from './lib/main.mjs';
import { kubeadm } from './lib/kubeadm.mjs';

standin((args, record) => kubeadm(args, record, { wrapper: true }));

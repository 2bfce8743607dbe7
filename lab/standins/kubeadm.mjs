#!/usr/bin/env node
// The native kubeadm (/usr/bin/kubeadm, kubernetes1.28-kubeadm), on the host as root or, run by
// the podsec wrapper, as u7s-admin inside its namespaces: token create/list/delete, init phase
// upload-certs (what podsec's INSTALL.md mints join material with), certs, config images list,
// reset (inside the namespaces only), version. init and join are refused: podsec runs those
// through its wrapper. Models kubeadm v1.28 as alt-cloud/podsec commit 5014172 drives it.
import { standin } from './lib/main.mjs';
import { kubeadm } from './lib/kubeadm.mjs';

standin((args, record) => kubeadm(args, record));

#!/usr/bin/env node
// kubeadm stand-in (/usr/bin/kubeadm): token, init phase upload-certs, certs, reset, version.
// init and join are refused here: podsec runs them through its wrapper (podsec-u7s-kubeadm).
import { standin } from './lib/main.mjs';
import { kubeadm } from './lib/kubeadm.mjs';

standin((args, record) => kubeadm(args, record, { wrapper: false }));

// Every step kind, listed by hand (no directory scanning): add a kind here when you add its file.
import { bootstrapTokenStep } from './bootstrap-token.js';
import { auditPolicyStep } from './audit-policy.js';
import { copyPolicyStep } from './copy-policy.js';
import { deleteNodeStep } from './delete-node.js';
import { disableSshStep } from './disable-ssh.js';
import { drainNodeStep } from './drain-node.js';
import { fetchStep } from './fetch.js';
import { fetchKubeconfigStep } from './fetch-kubeconfig.js';
import { haproxyStep } from './haproxy.js';
import { joinMaterialStep } from './join-material.js';
import { keepalivedStep } from './keepalived.js';
import { kubeadmInitStep } from './kubeadm-init.js';
import { kubeadmJoinStep } from './kubeadm-join.js';
import { kubectlApplyStep } from './kubectl-apply.js';
import { logForwardingStep } from './log-forwarding.js';
import { nodeResetStep } from './node-reset.js';
import { podsecImagemakerStep } from './podsec-imagemaker.js';
import { podsecMonitoringStep } from './podsec-monitoring.js';
import { podsecPolicyStep } from './podsec-policy.js';
import { podsecServicesStep } from './podsec-services.js';
import { publicRegistryStep } from './public-registry.js';
import { shellStep } from './shell.js';
import { signImagesStep } from './sign-images.js';
import type { StepKind } from '../engine/step-kind.js';
import { uploadStep } from './upload.js';
import { waitForStep } from './wait-for.js';
import { waitNodesReadyStep } from './wait-nodes-ready.js';

// Kinds are stored with their `with` type erased: the engine validates `with` against the
// kind's schema before calling it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const stepKinds: readonly StepKind<any>[] = [
  // generic
  shellStep,
  waitForStep,
  uploadStep,
  fetchStep,
  // podsec-k8s, in the order a cluster needs them
  publicRegistryStep,
  podsecPolicyStep,
  podsecServicesStep,
  podsecImagemakerStep,
  signImagesStep,
  kubeadmInitStep,
  joinMaterialStep,
  kubeadmJoinStep,
  copyPolicyStep,
  haproxyStep,
  keepalivedStep,
  kubectlApplyStep,
  waitNodesReadyStep,
  fetchKubeconfigStep,
  auditPolicyStep,
  podsecMonitoringStep,
  logForwardingStep,
  disableSshStep,
  // day-2 through the Kubernetes API (sealed clusters)
  bootstrapTokenStep,
  drainNodeStep,
  deleteNodeStep,
  nodeResetStep,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function findStepKind(kind: string): StepKind<any> | undefined {
  return stepKinds.find((k) => k.kind === kind);
}

// The podsec-k8s step kinds, listed by hand (no directory scanning); steps/index.ts merges them.
import { copyPolicyStep } from './copy-policy.js';
import { disableSshStep } from './disable-ssh.js';
import { haproxyStep } from './haproxy.js';
import { joinMaterialStep } from './join-material.js';
import { keepalivedStep } from './keepalived.js';
import { kubeadmInitStep } from './kubeadm-init.js';
import { kubeadmJoinStep } from './kubeadm-join.js';
import { kubectlApplyStep } from './kubectl-apply.js';
import { podsecImagemakerStep } from './podsec-imagemaker.js';
import { podsecPolicyStep } from './podsec-policy.js';
import { podsecServicesStep } from './podsec-services.js';
import { signImagesStep } from './sign-images.js';
import type { StepKind } from './types.js';
import { waitNodesReadyStep } from './wait-nodes-ready.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const podsecStepKinds: StepKind<any>[] = [
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
  disableSshStep,
];

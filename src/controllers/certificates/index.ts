/**
 * The certificate controllers of TLS bootstrap: `csrsigning` (signs approved CSRs with the
 * cluster CA), `csrapproving` (auto-approves node and simulated-node-pool client CSRs after a
 * SubjectAccessReview, and a node's own kubelet serving CSR for the addresses its Node reports) and `csrcleaner` (deletes finished or stale CSRs).
 */
export { CSR_RESOURCE, CertificateController, SAR_RESOURCE } from './certificate-controller.ts';
export {
  CSRSigningController,
  DEFAULT_CLUSTER_SIGNING_DURATION_MS,
  SIGNED_SIGNERS,
  certificateDurationMs,
  checkRequestForSigner,
  newCSRSigningController,
} from './signer.ts';
export type { CSRSigningControllerOptions } from './signer.ts';
export {
  CSRApprovingController,
  KUBELET_SERVING_APPROVED_MESSAGE,
  NotApprovedError,
  RECOGNIZERS,
  SIMULATED_NODE_POOLS_GROUP,
  SIMULATED_NODE_POOL_CN_PREFIX,
  isSimulatedNodePoolClientCert,
  kubeletServingVerdict,
  newCSRApprovingController,
  requestingNodeName,
} from './approver.ts';
export type {
  CSRApprovingControllerOptions,
  CsrRecognizer,
  KubeletServingVerdict,
} from './approver.ts';
export {
  CSRCleanerController,
  CSR_CLEANER_POLLING_INTERVAL_MS,
  newCSRCleanerController,
  shouldCleanCSR,
} from './cleaner.ts';
export type { CSRCleanerControllerOptions } from './cleaner.ts';

/**
 * certificates.k8s.io: CertificateSigningRequest validation, the signer/approver request
 * checks and the approval/signing admission rules, pure (see helpers.ts, validation.ts,
 * admission.ts).
 */
export {
  ALL_KEY_USAGES,
  KUBELET_SERVING_SIGNER,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBE_APISERVER_CLIENT_SIGNER,
  LEGACY_UNKNOWN_SIGNER,
  certApprovalCondition,
  csrRequestBytes,
  hasTrueCondition,
  isCertificateRequestApproved,
  parseCSR,
  validateAPIServerClientUsages,
  validateKubeletClientCSR,
  validateKubeletServingCSR,
} from './helpers.ts';
export {
  validateCertificateSigningRequestCreate,
  validateCertificateSigningRequestUpdate,
  validateSignerName,
} from './validation.ts';
export type { CsrWrite } from './validation.ts';
export { admitCertificateSigningRequest, isAuthorizedForSignerName } from './admission.ts';
export type { CsrAdmissionRequest } from './admission.ts';

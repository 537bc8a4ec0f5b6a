/**
 * certificates.k8s.io/v1 helpers shared by the API server and the certificate controllers
 * (upstream pkg/apis/certificates/helpers.go and pkg/controller/certificates): signer names,
 * the per-signer request checks, and reading the conditions of a CertificateSigningRequest.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { CertificateRequestInfo } from '../pki/index.ts';
import { parseCertificateRequestPem } from '../pki/index.ts';

/** Issues client certificates for kube-apiserver; never auto-approved upstream. */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
/** Issues the client certificates kubelets use (system:node:NAME in system:nodes). */
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Issues kubelet serving certificates. */
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
/** The v1beta1 default signer; refused by the v1 API for new requests. */
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

/** Every certificates/v1 KeyUsage value (upstream allValidUsages), sorted as Go's sets list them. */
export const ALL_KEY_USAGES: readonly string[] = [
  'any',
  'cert sign',
  'client auth',
  'code signing',
  'content commitment',
  'crl sign',
  'data encipherment',
  'decipher only',
  'digital signature',
  'email protection',
  'encipher only',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'key agreement',
  'key encipherment',
  'microsoft sgc',
  'netscape sgc',
  'ocsp signing',
  's/mime',
  'server auth',
  'signing',
  'timestamping',
];

/** The request PEM of a CSR object (`spec.request` is base64 on the wire). */
export function csrRequestBytes(csr: CertificateSigningRequest): Buffer {
  return Buffer.from(csr.spec.request, 'base64');
}

/** Parses `spec.request` (upstream certificates.ParseCSR). Throws CertificateError. */
export function parseCSR(csr: CertificateSigningRequest): CertificateRequestInfo {
  return parseCertificateRequestPem(csrRequestBytes(csr));
}

function sameSet(a: ReadonlySet<string>, b: readonly string[]): boolean {
  return a.size === b.length && b.every((x) => a.has(x));
}

const fmtList = (l: readonly string[]): string => `[${l.join(' ')}]`;

const KUBELET_CLIENT_USAGES = ['client auth', 'digital signature', 'key encipherment'];
const KUBELET_CLIENT_USAGES_NO_RSA = ['client auth', 'digital signature'];
const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const KUBELET_SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];

function isExactlySystemNodes(req: CertificateRequestInfo): boolean {
  return req.organizations.length === 1 && req.organizations[0] === 'system:nodes';
}

/**
 * upstream ValidateKubeletClientCSR: O exactly [system:nodes], no SANs, CN `system:node:*`,
 * usages exactly {digital signature, key encipherment, client auth} or without key
 * encipherment. Returns the error message, undefined when the request qualifies.
 */
export function validateKubeletClientCSR(
  req: CertificateRequestInfo,
  usages: readonly string[],
): string | undefined {
  if (!isExactlySystemNodes(req)) return 'subject organization is not system:nodes';
  if (req.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith('system:node:')) {
    return 'subject common name does not begin with system:node:';
  }
  const set = new Set(usages);
  if (!sameSet(set, KUBELET_CLIENT_USAGES) && !sameSet(set, KUBELET_CLIENT_USAGES_NO_RSA)) {
    return `usages did not match ${fmtList(KUBELET_CLIENT_USAGES)}`;
  }
  return undefined;
}

/**
 * upstream ValidateKubeletServingCSR: O exactly [system:nodes], a DNS or IP SAN, no email or URI
 * SANs, usages {digital signature, (key encipherment,) server auth}, CN `system:node:*`.
 */
export function validateKubeletServingCSR(
  req: CertificateRequestInfo,
  usages: readonly string[],
): string | undefined {
  if (!isExactlySystemNodes(req)) return 'subject organization is not system:nodes';
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) {
    return 'DNS or IP subjectAltName is required';
  }
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  const set = new Set(usages);
  if (!sameSet(set, KUBELET_SERVING_USAGES) && !sameSet(set, KUBELET_SERVING_USAGES_NO_RSA)) {
    return `usages did not match ${fmtList(KUBELET_SERVING_USAGES)}`;
  }
  if (!req.commonName.startsWith('system:node:')) {
    return 'subject common name does not begin with system:node:';
  }
  return undefined;
}

/**
 * upstream validAPIServerClientUsages (signer kube-apiserver-client): only digital signature,
 * key encipherment and client auth, and client auth required.
 */
export function validateAPIServerClientUsages(usages: readonly string[]): string | undefined {
  let hasClientAuth = false;
  for (const u of usages) {
    if (u === 'client auth') hasClientAuth = true;
    else if (u !== 'digital signature' && u !== 'key encipherment') {
      return `invalid usage for client certificate: ${u}`;
    }
  }
  if (!hasClientAuth) return 'missing required usage for client certificate: client auth';
  return undefined;
}

type Conditions = NonNullable<NonNullable<CertificateSigningRequest['status']>['conditions']>;

function conditionsOf(csr: CertificateSigningRequest): Conditions {
  return csr.status?.conditions ?? [];
}

/** upstream GetCertApprovalCondition: whether Approved / Denied conditions are present. */
export function certApprovalCondition(csr: CertificateSigningRequest): {
  approved: boolean;
  denied: boolean;
} {
  let approved = false;
  let denied = false;
  for (const c of conditionsOf(csr)) {
    if (c.type === 'Approved') approved = true;
    if (c.type === 'Denied') denied = true;
  }
  return { approved, denied };
}

/** upstream IsCertificateRequestApproved: approved and not denied. */
export function isCertificateRequestApproved(csr: CertificateSigningRequest): boolean {
  const { approved, denied } = certApprovalCondition(csr);
  return approved && !denied;
}

/** True when the CSR has a condition of `type` with status True. */
export function hasTrueCondition(csr: CertificateSigningRequest, type: string): boolean {
  return conditionsOf(csr).some((c) => c.type === type && c.status === 'True');
}

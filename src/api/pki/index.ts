/**
 * The cluster PKI: certificate authority, leaf certificates (ECDSA P-256), PKCS#10 requests and
 * certificates issued from them, pure computation with node:crypto. Storing the files is the
 * caller's job (src/cmd/data-dir.ts); the CSR signing controller signs with the same code.
 */
export {
  CertificateError,
  createCA,
  isIssuedBy,
  issueCertificate,
  keyMatchesCertificate,
  readCertificate,
} from './x509.ts';
export type {
  CAOptions,
  CertificateAuthority,
  CertificateInfo,
  CertificateKeyPair,
  CertificateOptions,
  CertificateUsage,
} from './x509.ts';
export {
  checkCertificateRequestSignature,
  createCertificateRequest,
  decodePemBlocks,
  parseCertificateRequest,
  parseCertificateRequestPem,
  signCertificateRequest,
} from './csr.ts';
export type {
  CertificateRequestInfo,
  CertificateRequestOptions,
  PemBlock,
  SigningPolicy,
} from './csr.ts';
export { formatIp, parseIp } from './ip.ts';
/** The DER reader, for callers that need exact encoded bytes (the agent's CA pin). */
export { DerError, readChildren, readElement } from './der.ts';

/**
 * The cluster PKI: certificate authority and leaf certificates (ECDSA P-256), pure computation
 * with node:crypto. Storing the files is the caller's job (src/cmd/data-dir.ts).
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
export { formatIp, parseIp } from './ip.ts';

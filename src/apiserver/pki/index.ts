/**
 * The cluster PKI, now pure code in src/api/pki (the CSR signing controller needs it too);
 * re-exported here for the API server, the CLI and their tests.
 */
export {
  CertificateError,
  createCA,
  isIssuedBy,
  issueCertificate,
  keyMatchesCertificate,
  readCertificate,
  formatIp,
  parseIp,
} from '../../api/index.ts';
export type {
  CAOptions,
  CertificateAuthority,
  CertificateInfo,
  CertificateKeyPair,
  CertificateOptions,
  CertificateUsage,
} from '../../api/index.ts';

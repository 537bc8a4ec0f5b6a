import type { MessageTable } from '../schema.ts';

/**
 * certificates.k8s.io/v1 (package `certificates`), from
 * staging/src/k8s.io/api/certificates/v1/generated.proto (v0.32): what `kubectl certificate
 * approve|deny` sends to `/approval`. ExtraValue is a Go `[]string` (special StringArray).
 */
export const certificates: MessageTable = {
  CertificateSigningRequest: {
    1: 'metadata:ObjectMeta',
    2: 'spec:CertificateSigningRequestSpec',
    3: 'status:CertificateSigningRequestStatus',
  },
  CertificateSigningRequestCondition: {
    1: 'type:string',
    6: 'status:string',
    2: 'reason:string',
    3: 'message:string',
    4: 'lastUpdateTime:Time',
    5: 'lastTransitionTime:Time',
  },
  CertificateSigningRequestSpec: {
    1: 'request:bytes',
    7: 'signerName:string',
    8: 'expirationSeconds:*int32',
    5: 'usages:[]string',
    2: 'username:string',
    3: 'uid:string',
    4: 'groups:[]string',
    6: 'extra:{StringArray}',
  },
  CertificateSigningRequestStatus: {
    1: 'conditions:[]CertificateSigningRequestCondition',
    2: 'certificate:bytes',
  },
};

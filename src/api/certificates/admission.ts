/**
 * The CertificateApproval and CertificateSigning admission plugins (upstream
 * plugin/pkg/admission/certificates/approval and .../signing): approving a CSR through
 * `/approval` needs `approve` on `signers` named after its signerName (or `<domain>/*`), and
 * changing `status.certificate` or the conditions through `/status` needs `sign` likewise.
 * Pure: the caller passes the authorizer.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { newForbidden } from '../errors.ts';
import type { AuthorizationAttributes, Decision } from '../rbac/index.ts';
import type { UserInfo } from '../user.ts';

const GROUP = 'certificates.k8s.io';

/**
 * upstream certificates.IsAuthorizedForSignerName: `verb` on `signers/<signerName>`, else on
 * `signers/<domain>/*`.
 */
export function isAuthorizedForSignerName(
  authorize: (attrs: AuthorizationAttributes) => Decision,
  user: UserInfo,
  verb: string,
  signerName: string,
): boolean {
  const attrs = (name: string): AuthorizationAttributes => ({
    user,
    verb,
    resourceRequest: true,
    apiGroup: GROUP,
    apiVersion: '*',
    resource: 'signers',
    name,
  });
  if (authorize(attrs(signerName)).decision === 'allow') return true;
  const domain = signerName.split('/')[0] ?? '';
  return authorize(attrs(`${domain}/*`)).decision === 'allow';
}

/** What the two plugins look at of one request. */
export interface CsrAdmissionRequest {
  operation: string;
  group: string;
  resource: string;
  subresource: string;
  name: string;
  object: CertificateSigningRequest | undefined;
  oldObject: CertificateSigningRequest | undefined;
  user: UserInfo;
}

/**
 * Runs CertificateApproval then CertificateSigning on a request; throws upstream's 403 when the
 * user may not approve/sign for the signer. Other requests pass untouched.
 */
export function admitCertificateSigningRequest(
  req: CsrAdmissionRequest,
  authorize: (attrs: AuthorizationAttributes) => Decision,
): void {
  if (req.group !== GROUP || req.resource !== 'certificatesigningrequests') return;
  const qualified = { group: GROUP, resource: 'certificatesigningrequests' };
  if (req.operation !== 'UPDATE') return;
  if (req.subresource === 'approval' && req.object !== undefined) {
    const signer = req.object.spec.signerName;
    if (!isAuthorizedForSignerName(authorize, req.user, 'approve', signer)) {
      throw newForbidden(
        qualified,
        req.name,
        `user not permitted to approve requests with signerName "${signer}"`,
      );
    }
  }
  if (req.subresource === 'status' && req.object !== undefined && req.oldObject !== undefined) {
    const certChanged =
      (req.object.status?.certificate ?? '') !== (req.oldObject.status?.certificate ?? '');
    const condChanged =
      JSON.stringify(req.object.status?.conditions ?? []) !==
      JSON.stringify(req.oldObject.status?.conditions ?? []);
    if (!certChanged && !condChanged) return;
    const signer = req.oldObject.spec.signerName;
    if (!isAuthorizedForSignerName(authorize, req.user, 'sign', signer)) {
      throw newForbidden(
        qualified,
        req.name,
        `user not permitted to sign requests with signerName "${signer}"`,
      );
    }
  }
}

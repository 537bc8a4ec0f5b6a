/**
 * The CertificateSigningRequest strategy (upstream pkg/registry/certificates/certificates
 * strategy.go): the requester's identity is stamped into the spec on create and the status is
 * cleared; the spec never changes afterwards; `/approval` changes only the conditions,
 * `/status` only the certificate and the conditions other than Approved/Denied; condition
 * timestamps are filled when missing. Validation is api/certificates'.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { FieldError, UserInfo } from '../../api/index.ts';
import {
  validateCertificateSigningRequestCreate,
  validateCertificateSigningRequestUpdate,
} from '../../api/index.ts';
import type { StoredObject } from '../../storage/index.ts';

type Condition = NonNullable<
  NonNullable<CertificateSigningRequest['status']>['conditions']
>[number];

const asCsr = (obj: StoredObject): CertificateSigningRequest =>
  obj as unknown as CertificateSigningRequest;

function rfc3339Now(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** upstream preserveConditionInstances: keeps the old instances of `type` when their count is unchanged. */
function preserveConditionInstances(
  next: CertificateSigningRequest,
  old: CertificateSigningRequest,
  type: string,
): void {
  const conds = next.status?.conditions;
  if (conds === undefined) return;
  const oldConds = old.status?.conditions ?? [];
  const oldIdx = oldConds.flatMap((c, i) => (c.type === type ? [i] : []));
  const newIdx = conds.flatMap((c, i) => (c.type === type ? [i] : []));
  if (oldIdx.length !== newIdx.length) return;
  newIdx.forEach((ni, k) => {
    const oi = oldIdx[k];
    const oc = oi === undefined ? undefined : oldConds[oi];
    if (oc !== undefined) conds[ni] = structuredClone(oc);
  });
}

/** upstream populateConditionTimestamps. */
function populateConditionTimestamps(
  next: CertificateSigningRequest,
  old: CertificateSigningRequest,
  now: Date,
): void {
  const ts = rfc3339Now(now);
  for (const c of next.status?.conditions ?? []) {
    if ((c.lastUpdateTime ?? '') === '') c.lastUpdateTime = ts;
    if ((c.lastTransitionTime ?? '') === '') {
      const prev = (old.status?.conditions ?? []).find(
        (o: Condition) =>
          o.type === c.type && o.status === c.status && (o.lastTransitionTime ?? '') !== '',
      );
      c.lastTransitionTime = prev?.lastTransitionTime ?? ts;
    }
  }
}

/** The CSR-specific members of the registry's ResourceStrategy (see strategy.ts). */
export const csrStrategy = {
  updateSubresources: ['approval'] as readonly string[],

  /** Stamps the requesting user into the spec (ignoring what the client sent) and clears status. */
  prepareForCreate(obj: StoredObject, user?: UserInfo): void {
    const spec = (obj['spec'] ?? {}) as Record<string, unknown>;
    delete spec['username'];
    delete spec['uid'];
    delete spec['groups'];
    delete spec['extra'];
    if (user !== undefined) {
      if (user.username !== '') spec['username'] = user.username;
      if ((user.uid ?? '') !== '') spec['uid'] = user.uid;
      if (user.groups.length > 0) spec['groups'] = [...user.groups];
      const extra = user.extra ?? {};
      if (Object.keys(extra).length > 0) {
        spec['extra'] = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [...v]]));
      }
    }
    obj['spec'] = spec;
    obj['status'] = {};
  },

  prepareForUpdate(obj: StoredObject, old: StoredObject, subresource: string): void {
    const next = asCsr(obj);
    const prev = asCsr(old);
    // The spec never changes after creation, whatever the path.
    next.spec = structuredClone(prev.spec);
    if (subresource === '') {
      if (prev.status === undefined) delete next.status;
      else next.status = structuredClone(prev.status);
      return;
    }
    if (subresource === 'status') {
      preserveConditionInstances(next, prev, 'Approved');
      preserveConditionInstances(next, prev, 'Denied');
    } else if (subresource === 'approval') {
      const cert = prev.status?.certificate;
      const status = (next.status ??= {});
      if (cert === undefined) delete status.certificate;
      else status.certificate = cert;
    }
    populateConditionTimestamps(next, prev, new Date());
  },

  validate(obj: StoredObject): FieldError[] {
    return validateCertificateSigningRequestCreate(asCsr(obj));
  },

  validateUpdate(obj: StoredObject, old: StoredObject, subresource: string): FieldError[] {
    const write =
      subresource === 'status' ? 'status' : subresource === 'approval' ? 'approval' : 'update';
    return validateCertificateSigningRequestUpdate(asCsr(obj), asCsr(old), write);
  },
};

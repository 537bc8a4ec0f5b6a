/**
 * CertificateSigningRequest validation, ported from Kubernetes 1.32's
 * pkg/apis/certificates/validation (v1 API rules): the request must be a PEM `CERTIFICATE
 * REQUEST` whose signature verifies, usages known and unique, signerName qualified,
 * expirationSeconds >= 600, conditions well-formed, status.certificate PEM certificates; on
 * update, conditions may not be removed, Approved/Denied change only through /approval and the
 * certificate only through /status, once.
 *
 * Metadata is validated by the registry (validateObjectMeta); these functions return the rest in
 * upstream's order and never mutate their inputs.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  ErrorType,
  FieldError,
  duplicate,
  forbidden,
  invalid,
  isDNS1123Label,
  isDNS1123Subdomain,
  newPath,
  notSupported,
  required,
  tooLong,
} from '../validation/index.ts';
import type { FieldPath } from '../validation/index.ts';
import {
  CertificateError,
  checkCertificateRequestSignature,
  decodePemBlocks,
  parseCertificateRequestPem,
  readCertificate,
} from '../pki/index.ts';
import { ALL_KEY_USAGES, LEGACY_UNKNOWN_SIGNER } from './helpers.ts';

/** What a write may change (upstream certificateValidationOptions' subresource switches). */
export type CsrWrite = 'create' | 'update' | 'status' | 'approval';

/** Go's `%#v` of a []byte: `[]byte{0x2d, 0x2d}`. */
function goBytes(bytes: Uint8Array): string {
  return `[]byte{${Array.from(bytes, (b) => `0x${b.toString(16)}`).join(', ')}}`;
}

/** An Invalid error whose bad value is a Go []byte (spec.request), printed as Go prints it. */
class BytesInvalidError extends FieldError {
  constructor(path: FieldPath, bytes: Uint8Array, detail: string) {
    super(ErrorType.Invalid, path.toString(), bytes, detail);
  }

  override errorBody(): string {
    const bytes = this.badValue as Uint8Array;
    return `Invalid value: ${goBytes(bytes)}${this.detail === '' ? '' : `: ${this.detail}`}`;
  }
}

type Condition = NonNullable<
  NonNullable<CertificateSigningRequest['status']>['conditions']
>[number];

function conditions(csr: CertificateSigningRequest | undefined): Condition[] {
  return csr?.status?.conditions ?? [];
}

/** validateCertificate: every PEM block a CERTIFICATE without headers that parses; one at least. */
function certificateError(b64: string): string | undefined {
  if (b64 === '') return undefined;
  const text = Buffer.from(b64, 'base64').toString('latin1');
  const blocks = decodePemBlocks(text);
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  for (const block of blocks) {
    if (block.type !== 'CERTIFICATE') {
      return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(block.type)}`;
    }
    if (Object.keys(block.headers).length > 0) return 'no PEM block headers are permitted';
    try {
      const pem = `-----BEGIN CERTIFICATE-----\n${block.bytes.toString('base64')}\n-----END CERTIFICATE-----\n`;
      readCertificate(pem);
    } catch {
      return 'x509: malformed certificate';
    }
  }
  return undefined;
}

/** upstream ValidateSignerName. */
export function validateSignerName(path: FieldPath, signerName: string): FieldError[] {
  if (signerName === '') return [required(path, '')];
  const segments = signerName.split('/');
  if (segments.length !== 2) {
    return [
      invalid(
        path,
        signerName,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    ];
  }
  const [domain = '', rest = ''] = segments;
  const errs: FieldError[] = [];
  if (domain.length > 253) errs.push(tooLong(path, '', 253));
  const domainLabels = domain.split('.');
  for (const lbl of domainLabels) {
    const e = isDNS1123Label(lbl);
    if (e.length > 0) {
      for (const m of e) errs.push(invalid(path, domain, `validating label "${lbl}": ${m}`));
      break;
    }
  }
  if (domainLabels.length < 2) {
    errs.push(
      invalid(path, domain, 'should be a domain with at least two segments separated by dots'),
    );
  }
  for (const lbl of rest.split('.')) {
    const e = isDNS1123Subdomain(lbl);
    if (e.length > 0) {
      for (const m of e) errs.push(invalid(path, rest, `validating label "${lbl}": ${m}`));
      break;
    }
  }
  const max = 253 + (253 + 63 + 1) + 1;
  if (signerName.length > max) errs.push(tooLong(path, '', max));
  return errs;
}

const TRUE_ONLY = new Set(['Approved', 'Denied', 'Failed']);

function validateConditions(
  csr: CertificateSigningRequest,
  old: CertificateSigningRequest | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  const path = newPath('status', 'conditions');
  const oldConds = conditions(old);
  const oldTypes = oldConds.map((c) => c.type);
  const allowBoth = oldTypes.includes('Approved') && oldTypes.includes('Denied');
  const allowDup = new Set(oldTypes).size !== oldTypes.length;
  const allowEmpty = oldTypes.includes('');
  const seen = new Set<string>();
  let hasApproved = false;
  let hasDenied = false;
  conditions(csr).forEach((c, i) => {
    const p = path.index(i);
    if (!allowEmpty && c.type === '') errs.push(required(p.child('type'), ''));
    const allowed = TRUE_ONLY.has(c.type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (c.status === '') errs.push(required(p.child('status'), ''));
    else if (!allowed.includes(c.status)) {
      errs.push(notSupported(p.child('status'), c.status, allowed));
    }
    if (!allowBoth) {
      if (c.type === 'Approved') {
        hasApproved = true;
        if (hasDenied) {
          errs.push(
            invalid(
              p.child('type'),
              c.type,
              'Approved and Denied conditions are mutually exclusive',
            ),
          );
        }
      } else if (c.type === 'Denied') {
        hasDenied = true;
        if (hasApproved) {
          errs.push(
            invalid(
              p.child('type'),
              c.type,
              'Approved and Denied conditions are mutually exclusive',
            ),
          );
        }
      }
    }
    if (!allowDup) {
      if (seen.has(c.type)) errs.push(duplicate(p.child('type'), c.type));
      seen.add(c.type);
    }
  });
  return errs;
}

function validateSpecAndStatus(
  csr: CertificateSigningRequest,
  old: CertificateSigningRequest | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  const spec = newPath('spec');
  const request = Buffer.from(csr.spec.request, 'base64');
  try {
    checkCertificateRequestSignature(parseCertificateRequestPem(request));
  } catch (err) {
    const msg = err instanceof CertificateError ? err.message : String(err);
    errs.push(new BytesInvalidError(spec.child('request'), request, msg));
  }
  const usages = csr.spec.usages ?? [];
  if (usages.length === 0) errs.push(required(spec.child('usages'), ''));
  const oldUsages = old?.spec.usages ?? [];
  const allowUnknown = old !== undefined && oldUsages.some((u) => !ALL_KEY_USAGES.includes(u));
  const allowDupUsages = old !== undefined && new Set(oldUsages).size !== oldUsages.length;
  if (!allowUnknown) {
    usages.forEach((u, i) => {
      if (!ALL_KEY_USAGES.includes(u)) {
        errs.push(notSupported(spec.child('usages').index(i), u, ALL_KEY_USAGES));
      }
    });
  }
  if (!allowDupUsages) {
    const seen = new Set<string>();
    usages.forEach((u, i) => {
      if (seen.has(u)) errs.push(duplicate(spec.child('usages').index(i), u));
      seen.add(u);
    });
  }
  const signer = csr.spec.signerName;
  if (signer === LEGACY_UNKNOWN_SIGNER && old?.spec.signerName !== LEGACY_UNKNOWN_SIGNER) {
    errs.push(
      invalid(
        spec.child('signerName'),
        signer,
        'the legacy signerName is not allowed via this API version',
      ),
    );
  } else {
    errs.push(...validateSignerName(spec.child('signerName'), signer));
  }
  const exp = csr.spec.expirationSeconds;
  if (exp !== undefined && exp < 600) {
    errs.push(
      invalid(
        spec.child('expirationSeconds'),
        exp,
        'may not specify a duration less than 600 seconds (10 minutes)',
      ),
    );
  }
  errs.push(...validateConditions(csr, old));
  const cert = csr.status?.certificate ?? '';
  const oldCert = old?.status?.certificate ?? '';
  const allowArbitrary =
    old !== undefined && (cert === oldCert || certificateError(oldCert) !== undefined);
  if (!allowArbitrary) {
    const e = certificateError(cert);
    if (e !== undefined) {
      errs.push(invalid(newPath('status', 'certificate'), '<certificate data>', e));
    }
  }
  return errs;
}

/** upstream ValidateCertificateSigningRequestCreate (metadata excluded). */
export function validateCertificateSigningRequestCreate(
  csr: CertificateSigningRequest,
): FieldError[] {
  return validateSpecAndStatus(csr, undefined);
}

function sameConditions(a: Condition[], b: Condition[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * upstream ValidateCertificateSigningRequest{Update,StatusUpdate,ApprovalUpdate} (metadata
 * excluded): `write` says which path the update came through.
 */
export function validateCertificateSigningRequestUpdate(
  csr: CertificateSigningRequest,
  old: CertificateSigningRequest,
  write: Exclude<CsrWrite, 'create'>,
): FieldError[] {
  const errs = validateSpecAndStatus(csr, old);
  const path = newPath('status', 'conditions');
  const of = (c: CertificateSigningRequest, t: string): Condition[] =>
    conditions(c).filter((x) => x.type === t);
  for (const t of ['Approved', 'Denied', 'Failed']) {
    if (of(csr, t).length < of(old, t).length) {
      errs.push(forbidden(path, `updates may not remove a condition of type "${t}"`));
    }
  }
  if (write !== 'approval') {
    for (const t of ['Approved', 'Denied']) {
      const o = of(old, t);
      const n = of(csr, t);
      if (n.length < o.length) continue;
      if (n.length > o.length) {
        errs.push(forbidden(path, `updates may not add a condition of type "${t}"`));
      } else if (!sameConditions(o, n)) {
        errs.push(forbidden(path, `updates may not modify a condition of type "${t}"`));
      }
    }
  }
  const cert = csr.status?.certificate ?? '';
  const oldCert = old.status?.certificate ?? '';
  if (cert !== oldCert) {
    if (write !== 'status') {
      errs.push(
        forbidden(newPath('status', 'certificate'), 'updates may not set certificate content'),
      );
    } else if (oldCert !== '') {
      errs.push(
        forbidden(
          newPath('status', 'certificate'),
          'updates may not modify existing certificate content',
        ),
      );
    }
  }
  return errs;
}

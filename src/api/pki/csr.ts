/**
 * PKCS#10 certificate signing requests (RFC 2986) and certificates issued from them, with
 * node:crypto and our DER reader (node:crypto parses certificates but not requests).
 *
 * - `parseCertificateRequest` / `parseCertificateRequestPem`: what Go's
 *   x509.ParseCertificateRequest and Kubernetes' certificates.ParseCSR return (subject, SANs,
 *   public key), and `checkCertificateRequestSignature` (Go's CheckSignature).
 * - `createCertificateRequest`: a new P-256 key and a CSR for it (kubelets, agents, tests).
 * - `signCertificateRequest`: upstream's local CA signer (pkg/controller/certificates/authority
 *   with the PermissiveSigningPolicy): the request's subject and SANs, the usages of the CSR
 *   object, validity `now - backdate` .. `+ttl` capped at the CA's notAfter, CA:FALSE.
 *
 * Pure computation; the caller owns every returned value.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  DerError,
  bitString,
  decodeOid,
  explicit,
  implicit,
  integer,
  namedBits,
  oid,
  readChildren,
  readElement,
  sequence,
  setOf,
  time,
} from './der.ts';
import type { DerElement } from './der.ts';
import { formatIp, parseIp } from './ip.ts';
import {
  CertificateError,
  OID,
  encodeName,
  extension,
  keyIdentifier,
  readCertificate,
  serialNumber,
  signatureAlgorithm,
  toPem,
  x509Of,
} from './x509.ts';
import type { CertificateAuthority } from './x509.ts';

/** One decoded PEM block (Go's pem.Block). */
export interface PemBlock {
  type: string;
  /** Header lines (`Key: value`) before the base64 body. */
  headers: Record<string, string>;
  bytes: Buffer;
}

/**
 * Decodes every PEM block of `text`, in order, skipping text between blocks (Go's pem.Decode
 * applied repeatedly). Blocks whose body is not base64 are skipped, as Go skips them.
 */
export function decodePemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([^\n\r-]*(?:-[^\n\r-]+)*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const headers: Record<string, string> = {};
    let body = m[2] ?? '';
    const headerEnd = /^((?:[^\n:]+:[^\n]*\r?\n)+)\r?\n/.exec(body);
    if (headerEnd !== null) {
      for (const line of (headerEnd[1] ?? '').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      body = body.slice(headerEnd[0].length);
    }
    const b64 = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) continue;
    out.push({ type: m[1] ?? '', headers, bytes: Buffer.from(b64, 'base64') });
  }
  return out;
}

/** A parsed certificate request. Buffers are views into a private copy of the input. */
export interface CertificateRequestInfo {
  /** The whole DER request. */
  raw: Buffer;
  /** certificationRequestInfo, the signed bytes. */
  rawTbs: Buffer;
  /** The subject Name's DER, exactly as requested (copied into issued certificates). */
  subjectDer: Buffer;
  commonName: string;
  /** Subject O values, in request order. */
  organizations: string[];
  /** The SubjectPublicKeyInfo DER. */
  spki: Buffer;
  /** 'rsa', 'ec', 'ed25519' or another node:crypto key type. */
  publicKeyAlgorithm: string;
  signatureAlgorithm: string;
  signature: Buffer;
  dnsNames: string[];
  emailAddresses: string[];
  /** iPAddress SANs as canonical text. */
  ipAddresses: string[];
  uris: string[];
}

const SIG = {
  '1.2.840.113549.1.1.5': { name: 'SHA1-RSA', digest: 'sha1', key: 'rsa' },
  '1.2.840.113549.1.1.11': { name: 'SHA256-RSA', digest: 'sha256', key: 'rsa' },
  '1.2.840.113549.1.1.12': { name: 'SHA384-RSA', digest: 'sha384', key: 'rsa' },
  '1.2.840.113549.1.1.13': { name: 'SHA512-RSA', digest: 'sha512', key: 'rsa' },
  '1.2.840.10045.4.1': { name: 'ECDSA-SHA1', digest: 'sha1', key: 'ec' },
  '1.2.840.10045.4.3.2': { name: 'ECDSA-SHA256', digest: 'sha256', key: 'ec' },
  '1.2.840.10045.4.3.3': { name: 'ECDSA-SHA384', digest: 'sha384', key: 'ec' },
  '1.2.840.10045.4.3.4': { name: 'ECDSA-SHA512', digest: 'sha512', key: 'ec' },
  '1.3.101.112': { name: 'Ed25519', digest: null, key: 'ed25519' },
} as const satisfies Record<string, { name: string; digest: string | null; key: string }>;

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

function decodeDirectoryString(e: DerElement): string {
  return e.contents.toString(e.tag === 0x0c ? 'utf8' : 'latin1');
}

/**
 * Parses a DER PKCS#10 request. Throws CertificateError with Go's messages
 * (`x509: malformed certificate request`, `x509: unsupported public key`...). Does not verify
 * the signature (see checkCertificateRequestSignature).
 */
export function parseCertificateRequest(der: Uint8Array): CertificateRequestInfo {
  const raw = Buffer.from(der);
  try {
    const top = readElement(raw);
    if (top.tag !== 0x30 || top.raw.length !== raw.length) throw new DerError('trailing data');
    const [info, algorithm, signature] = readChildren(top);
    if (info?.tag !== 0x30 || algorithm?.tag !== 0x30 || signature?.tag !== 0x03) {
      throw new DerError('structure');
    }
    const [version, subject, spki, attributes] = readChildren(info);
    if (version?.tag !== 0x02 || subject?.tag !== 0x30 || spki?.tag !== 0x30) {
      throw new DerError('structure');
    }
    const sigOid = readChildren(algorithm)[0];
    if (sigOid?.tag !== 0x06) throw new DerError('algorithm');
    const out: CertificateRequestInfo = {
      raw,
      rawTbs: info.raw,
      subjectDer: subject.raw,
      commonName: '',
      organizations: [],
      spki: spki.raw,
      publicKeyAlgorithm: '',
      signatureAlgorithm: decodeOid(sigOid.contents),
      signature: signature.contents.subarray(1),
      dnsNames: [],
      emailAddresses: [],
      ipAddresses: [],
      uris: [],
    };
    for (const rdn of readChildren(subject)) {
      for (const atv of readChildren(rdn)) {
        const [type, value] = readChildren(atv);
        if (type === undefined || value === undefined) continue;
        const id = decodeOid(type.contents);
        if (id === OID.commonName) out.commonName = decodeDirectoryString(value);
        if (id === OID.organization) out.organizations.push(decodeDirectoryString(value));
      }
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
    } catch (err) {
      throw new CertificateError('x509: unsupported public key', { cause: err });
    }
    out.publicKeyAlgorithm = key.asymmetricKeyType ?? '';
    if (attributes !== undefined && attributes.tag === 0xa0) {
      for (const attr of readChildren(attributes)) {
        const [type, values] = readChildren(attr);
        if (type === undefined || values === undefined) continue;
        if (decodeOid(type.contents) !== EXTENSION_REQUEST) continue;
        for (const exts of readChildren(values)) {
          for (const ext of readChildren(exts)) {
            const parts = readChildren(ext);
            const id = parts[0] === undefined ? '' : decodeOid(parts[0].contents);
            const value = parts[parts.length - 1];
            if (id !== OID.subjectAltName || value === undefined) continue;
            for (const name of readChildren(readElement(value.contents))) {
              if (name.tag === 0x81) out.emailAddresses.push(name.contents.toString('latin1'));
              if (name.tag === 0x82) out.dnsNames.push(name.contents.toString('latin1'));
              if (name.tag === 0x86) out.uris.push(name.contents.toString('latin1'));
              if (name.tag === 0x87) {
                if (name.contents.length !== 4 && name.contents.length !== 16) {
                  throw new CertificateError(
                    `x509: cannot parse IP address of length ${name.contents.length}`,
                  );
                }
                out.ipAddresses.push(formatIp(name.contents));
              }
            }
          }
        }
      }
    }
    return out;
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    throw new CertificateError('x509: malformed certificate request', { cause: err });
  }
}

/**
 * Parses the first PEM block of `pem` as Kubernetes' certificates.ParseCSR does: the block must
 * be a `CERTIFICATE REQUEST`. Throws CertificateError with upstream's messages.
 */
export function parseCertificateRequestPem(pem: string | Uint8Array): CertificateRequestInfo {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('latin1');
  const block = decodePemBlocks(text)[0];
  if (block?.type !== 'CERTIFICATE REQUEST') {
    throw new CertificateError('PEM block type must be CERTIFICATE REQUEST');
  }
  return parseCertificateRequest(block.bytes);
}

/**
 * Verifies the request's self-signature (Go's CheckSignature). Throws CertificateError with
 * Go's messages; SHA-1 signatures are refused as Go refuses them.
 */
export function checkCertificateRequestSignature(req: CertificateRequestInfo): void {
  const alg = (SIG as Record<string, (typeof SIG)[keyof typeof SIG] | undefined>)[
    req.signatureAlgorithm
  ];
  if (alg === undefined) {
    throw new CertificateError('x509: cannot verify signature: algorithm unimplemented');
  }
  if (alg.digest === 'sha1') {
    throw new CertificateError(`x509: cannot verify signature: insecure algorithm ${alg.name}`);
  }
  const key = createPublicKey({ key: req.spki, format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== alg.key) {
    throw new CertificateError(
      'x509: signature algorithm specifies an ' +
        keyAlgName(alg.key) +
        ' public key, but have public key of type ' +
        goKeyType(key.asymmetricKeyType),
    );
  }
  let ok = false;
  try {
    ok = verify(alg.digest, req.rawTbs, key, req.signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new CertificateError(
      alg.key === 'rsa'
        ? 'crypto/rsa: verification error'
        : alg.key === 'ec'
          ? 'x509: ECDSA verification failure'
          : 'x509: Ed25519 verification failure',
    );
  }
}

function keyAlgName(key: string): string {
  return key === 'rsa' ? 'RSA' : key === 'ec' ? 'ECDSA' : 'Ed25519';
}

function goKeyType(t: string | undefined): string {
  return t === 'rsa' ? '*rsa.PublicKey' : t === 'ec' ? '*ecdsa.PublicKey' : 'ed25519.PublicKey';
}

/** Options for createCertificateRequest. */
export interface CertificateRequestOptions {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** A PEM private key to request for; a new P-256 key when absent. */
  keyPem?: string;
}

/**
 * Creates a PKCS#10 request signed with its key: `csrPem` of the result is the
 * `CERTIFICATE REQUEST` PEM, `keyPem` the PKCS#8 key (the given one or a new P-256 key).
 */
export function createCertificateRequest(opts: CertificateRequestOptions): {
  csrPem: string;
  keyPem: string;
} {
  const privateKey =
    opts.keyPem === undefined
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
      : createPrivateKey(opts.keyPem);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const sans = [
    ...(opts.dnsNames ?? []).map((d) => implicit(2, Buffer.from(d, 'latin1'))),
    ...(opts.ipAddresses ?? []).map((ip) => {
      const b = parseIp(ip);
      if (b === null) throw new CertificateError(`invalid IP address ${JSON.stringify(ip)}`);
      return implicit(7, b);
    }),
  ];
  const attributes =
    sans.length === 0
      ? []
      : [
          sequence(
            oid(EXTENSION_REQUEST),
            setOf(sequence(extension(OID.subjectAltName, false, sequence(...sans)))),
          ),
        ];
  const info = sequence(
    integer(0),
    encodeName(opts.commonName, opts.organizations ?? []),
    spki,
    explicit(0, Buffer.concat(attributes)),
  );
  const ed25519 = privateKey.asymmetricKeyType === 'ed25519';
  const algorithm = ed25519 ? sequence(oid('1.3.101.112')) : signatureAlgorithm(privateKey);
  const signature = sign(
    privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256',
    info,
    privateKey,
  );
  return {
    csrPem: toPem('CERTIFICATE REQUEST', sequence(info, algorithm, bitString(signature))),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** keyUsage bit per certificates/v1 KeyUsage (upstream authority keyUsageDict). */
const KEY_USAGE_BITS: Readonly<Record<string, number>> = {
  signing: 0,
  'digital signature': 0,
  'content commitment': 1,
  'key encipherment': 2,
  'key agreement': 4,
  'data encipherment': 3,
  'cert sign': 5,
  'crl sign': 6,
  'encipher only': 7,
  'decipher only': 8,
};

/** extKeyUsage per certificates/v1 KeyUsage: [Go's ExtKeyUsage order, OID]. */
const EXT_KEY_USAGES: Readonly<Record<string, readonly [number, string]>> = {
  any: [0, '2.5.29.37.0'],
  'server auth': [1, '1.3.6.1.5.5.7.3.1'],
  'client auth': [2, '1.3.6.1.5.5.7.3.2'],
  'code signing': [3, '1.3.6.1.5.5.7.3.3'],
  'email protection': [4, '1.3.6.1.5.5.7.3.4'],
  's/mime': [4, '1.3.6.1.5.5.7.3.4'],
  'ipsec end system': [5, '1.3.6.1.5.5.7.3.5'],
  'ipsec tunnel': [6, '1.3.6.1.5.5.7.3.6'],
  'ipsec user': [7, '1.3.6.1.5.5.7.3.7'],
  timestamping: [8, '1.3.6.1.5.5.7.3.8'],
  'ocsp signing': [9, '1.3.6.1.5.5.7.3.9'],
  'microsoft sgc': [10, '1.3.6.1.4.1.311.10.3.3'],
  'netscape sgc': [11, '2.16.840.1.113730.4.1'],
};

/** upstream PermissiveSigningPolicy: what the CA puts into a certificate it issues. */
export interface SigningPolicy {
  /** certificates/v1 KeyUsage values of the CSR object. */
  usages: readonly string[];
  /** Requested lifetime in milliseconds. */
  ttlMs: number;
  /** How far notBefore is set before `now` (upstream: 5 minutes). */
  backdateMs: number;
  /** Below this lifetime notAfter is `now + ttl`, not `notBefore + ttl` (upstream: 8 hours). */
  shortMs: number;
  now: Date;
}

/**
 * Issues a certificate for a parsed, signature-checked request, signed by `ca` (upstream
 * CertificateAuthority.Sign with the PermissiveSigningPolicy): subject copied from the request,
 * SANs (DNS, email, IP, URI) forwarded, keyUsage/extKeyUsage from `policy.usages`,
 * basicConstraints CA:FALSE, AKI from the CA. Returns the PEM certificate. Throws
 * CertificateError for unrecognized usages, an expired signer or a CA key mismatch.
 */
export function signCertificateRequest(
  ca: CertificateAuthority,
  req: CertificateRequestInfo,
  policy: SigningPolicy,
): string {
  let bits = 0;
  const bitList: number[] = [];
  const eku = new Map<number, string>();
  const unrecognized: string[] = [];
  for (const u of policy.usages) {
    const bit = KEY_USAGE_BITS[u];
    const ext = EXT_KEY_USAGES[u];
    if (bit !== undefined) {
      if (!bitList.includes(bit)) bitList.push(bit);
      bits |= 1 << bit;
    } else if (ext !== undefined) eku.set(ext[0], ext[1]);
    else unrecognized.push(u);
  }
  if (unrecognized.length > 0) {
    throw new CertificateError(
      `unrecognized usage values: [${unrecognized.map((u) => JSON.stringify(u)).join(' ')}]`,
    );
  }
  const caInfo = readCertificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  if (!x509Of(ca.certPem).checkPrivateKey(caKey)) {
    throw new CertificateError('the CA private key does not match the CA certificate');
  }
  const nowMs = policy.now.getTime();
  const notBefore = new Date(nowMs - policy.backdateMs);
  let notAfter =
    policy.ttlMs < policy.shortMs
      ? new Date(nowMs + policy.ttlMs)
      : new Date(notBefore.getTime() + policy.ttlMs);
  const signerNotAfter = caInfo.notAfter;
  if (notAfter >= signerNotAfter) notAfter = signerNotAfter;
  if (notBefore >= signerNotAfter) {
    throw new CertificateError(`the signer has expired: NotAfter=${signerNotAfter.toISOString()}`);
  }
  if (policy.now >= signerNotAfter) {
    throw new CertificateError(
      `refusing to sign a certificate that expired in the past: NotAfter=${signerNotAfter.toISOString()}`,
    );
  }
  // Go's extension order: keyUsage, extKeyUsage, basicConstraints, AKI, SAN.
  const extensions: Buffer[] = [];
  if (bits !== 0) extensions.push(extension(OID.keyUsage, true, namedBits(bitList)));
  if (eku.size > 0) {
    const ordered = [...eku.entries()].sort((a, b) => a[0] - b[0]).map(([, id]) => oid(id));
    extensions.push(extension(OID.extKeyUsage, false, sequence(...ordered)));
  }
  extensions.push(extension(OID.basicConstraints, true, sequence()));
  const authorityKeyId =
    caInfo.subjectKeyId ??
    keyIdentifier(createPublicKey(caKey).export({ type: 'spki', format: 'der' }));
  extensions.push(
    extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, authorityKeyId))),
  );
  const names = [
    ...req.dnsNames.map((d) => implicit(2, Buffer.from(d, 'latin1'))),
    ...req.emailAddresses.map((e) => implicit(1, Buffer.from(e, 'latin1'))),
    ...req.ipAddresses.flatMap((ip) => {
      const b = parseIp(ip);
      return b === null ? [] : [implicit(7, b)];
    }),
    ...req.uris.map((u) => implicit(6, Buffer.from(u, 'latin1'))),
  ];
  if (names.length > 0) extensions.push(extension(OID.subjectAltName, false, sequence(...names)));
  const algorithm = signatureAlgorithm(caKey);
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serialNumber()),
    algorithm,
    caInfo.subjectDer,
    sequence(time(notBefore), time(notAfter)),
    req.subjectDer,
    req.spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, caKey);
  return toPem('CERTIFICATE', sequence(tbs, algorithm, bitString(signature)));
}

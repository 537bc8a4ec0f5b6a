/**
 * X.509 certificates for the cluster PKI, built with node:crypto and our own DER encoder (no
 * third-party package): a self-signed CA, and leaf certificates it signs for serving (the API
 * server) and for clients (the admin kubeconfig, later kubelets and components).
 *
 * Keys are ECDSA P-256 and signatures ecdsa-with-SHA256, like k3s. The layout follows Go's
 * crypto/x509 and client-go's certutil, which is what kubectl and the Kubernetes components
 * verify against: subject attributes in Go's order (O before CN), basicConstraints always
 * present and critical, keyUsage critical, subjectKeyIdentifier = SHA-1 of the public key bits
 * (RFC 5280 §4.2.1.2 method 1), authorityKeyIdentifier copied from the issuer's SKI so that chain
 * building in OpenSSL and Go matches issuer to subject by key.
 *
 * Everything here is pure computation (crypto is not I/O): callers store the PEM text.
 */
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  DerError,
  bitString,
  boolean,
  decodeOid,
  explicit,
  implicit,
  integer,
  isPrintable,
  namedBits,
  nullValue,
  octetString,
  oid,
  printableString,
  readChildren,
  readElement,
  sequence,
  setOf,
  time,
  utf8String,
} from './der.ts';
import type { DerElement } from './der.ts';
import { formatIp, parseIp } from './ip.ts';

/** A certificate and its private key, both PEM. The key is PKCS#8 ("PRIVATE KEY"). */
export interface CertificateKeyPair {
  certPem: string;
  keyPem: string;
}

/** A certificate authority: its self-signed certificate and private key, PEM. */
export type CertificateAuthority = CertificateKeyPair;

/** What a leaf certificate may be used for: TLS server (serverAuth) and/or client (clientAuth). */
export type CertificateUsage = 'server' | 'client';

/** Options for createCA. */
export interface CAOptions {
  /** Subject and issuer CN, e.g. "skiff-ca". */
  commonName: string;
  organizations?: string[];
  /** Lifetime in days from `now` (positive). */
  validDays: number;
  /** The issuing time; defaults to the current time. Tests pass a fixed date. */
  now?: Date;
}

/** Options for issueCertificate. */
export interface CertificateOptions {
  /** Subject CN: the user name for client certificates (Kubernetes x509 authentication). */
  commonName: string;
  /** Subject O values: the groups for client certificates (e.g. "system:masters"). */
  organizations?: string[];
  /** subjectAltName dNSName entries (serving certificates). */
  dnsNames?: string[];
  /** subjectAltName iPAddress entries, IPv4 or IPv6 text. */
  ipAddresses?: string[];
  /** At least one of 'server' and 'client'. */
  usages: CertificateUsage[];
  /** Lifetime in days from `now`; clamped so the certificate never outlives its CA. */
  validDays: number;
  /** The issuing time; defaults to the current time. */
  now?: Date;
}

/** A request or certificate the PKI cannot handle; the message says what is wrong. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

/** Object identifiers the PKI encodes and reads (internal to src/api/pki). */
export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** keyUsage bit numbers (RFC 5280 §4.2.1.3). */
const KeyUsageBit = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** Go's certutil and k3s backdate certificates so that small clock skew between hosts is harmless. */
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A Name (RFC 5280 §4.1.2.4): O values then CN, each its own RDN, as Go orders them. */
export function encodeName(commonName: string, organizations: readonly string[]): Buffer {
  const attr = (type: string, value: string): Buffer =>
    setOf(sequence(oid(type), isPrintable(value) ? printableString(value) : utf8String(value)));
  const rdns = organizations.map((o) => attr(OID.organization, o));
  rdns.push(attr(OID.commonName, commonName));
  return sequence(...rdns);
}

/** One Extension (RFC 5280 §4.1): id, critical only when true, DER value wrapped in OCTET STRING. */
export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** The signature AlgorithmIdentifier for a signing key, and the digest to sign with. */
export function signatureAlgorithm(key: KeyObject): Buffer {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return sequence(oid(OID.ecdsaWithSha256));
    case 'rsa':
      return sequence(oid(OID.sha256WithRsa), nullValue());
    default:
      throw new CertificateError(
        `unsupported CA key type ${String(key.asymmetricKeyType)} (expected EC or RSA)`,
      );
  }
}

/** subjectKeyIdentifier: SHA-1 of the subjectPublicKey BIT STRING's bits (RFC 5280 method 1). */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  const [, bits] = readChildren(readElement(spkiDer));
  if (bits === undefined) throw new CertificateError('malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(bits.contents.subarray(1)).digest();
}

/** 128 random bits, positive and of fixed length (RFC 5280 allows up to 20 octets). */
export function serialNumber(): Buffer {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40;
  return b;
}

/** PEM text of one DER block, 64-column base64 as Go's encoding/pem writes it. */
export function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function newKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

interface TbsInput {
  issuerName: Buffer;
  subjectName: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Buffer[];
  signingKey: KeyObject;
}

/** Builds, signs and PEM-encodes a certificate (RFC 5280 §4.1). */
function buildCertificate(input: TbsInput): string {
  const algorithm = signatureAlgorithm(input.signingKey);
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serialNumber()),
    algorithm,
    input.issuerName,
    sequence(time(input.notBefore), time(input.notAfter)),
    input.subjectName,
    input.spki,
    explicit(3, sequence(...input.extensions)),
  );
  const signature = sign('sha256', tbs, input.signingKey);
  return toPem('CERTIFICATE', sequence(tbs, algorithm, bitString(signature)));
}

function validity(now: Date | undefined, validDays: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(validDays) || validDays <= 0) {
    throw new CertificateError(`validDays must be a positive number, got ${validDays}`);
  }
  const t = (now ?? new Date()).getTime();
  const second = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);
  return { notBefore: second(t - BACKDATE_MS), notAfter: second(t + validDays * DAY_MS) };
}

function checkName(what: string, value: string): void {
  if (value === '' || value.length > 64) {
    // RFC 5280's upper bounds: ub-common-name and ub-organization-name are 64.
    throw new CertificateError(`${what} must be 1 to 64 characters, got ${JSON.stringify(value)}`);
  }
}

/**
 * Creates a self-signed CA: a new P-256 key, basicConstraints CA:TRUE (critical), keyUsage
 * digitalSignature+keyCertSign+cRLSign (critical), subjectKeyIdentifier. Returns new PEM text the
 * caller owns. Throws CertificateError for a bad name or lifetime.
 */
export function createCA(opts: CAOptions): CertificateAuthority {
  checkName('commonName', opts.commonName);
  for (const o of opts.organizations ?? []) checkName('organization', o);
  const { publicKey, privateKey } = newKeyPair();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = encodeName(opts.commonName, opts.organizations ?? []);
  const { notBefore, notAfter } = validity(opts.now, opts.validDays);
  const certPem = buildCertificate({
    issuerName: name,
    subjectName: name,
    notBefore,
    notAfter,
    spki,
    signingKey: privateKey,
    extensions: [
      extension(
        OID.keyUsage,
        true,
        namedBits([KeyUsageBit.digitalSignature, KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign]),
      ),
      extension(OID.basicConstraints, true, sequence(boolean(true))),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    ],
  });
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A DNS name acceptable in a dNSName SAN: LDH labels, optionally a leading "*." wildcard. */
function checkDnsName(name: string): void {
  const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  const labels = name.startsWith('*.') ? name.slice(2).split('.') : name.split('.');
  if (name.length > 253 || !labels.every((l) => label.test(l))) {
    throw new CertificateError(`invalid DNS name for subjectAltName: ${JSON.stringify(name)}`);
  }
}

/**
 * Issues a leaf certificate signed by `ca`: a new P-256 key; basicConstraints CA:FALSE
 * (critical); keyUsage digitalSignature (critical); extKeyUsage serverAuth and/or clientAuth;
 * subjectAltName with the DNS names and IP addresses (duplicates removed, order kept); SKI and
 * AKI. The issuer name is copied byte for byte from the CA certificate's subject. Throws
 * CertificateError for a bad name, address or usage list, or a CA that is not a CA or whose key
 * does not match its certificate.
 */
export function issueCertificate(
  ca: CertificateAuthority,
  opts: CertificateOptions,
): CertificateKeyPair {
  checkName('commonName', opts.commonName);
  for (const o of opts.organizations ?? []) checkName('organization', o);
  if (opts.usages.length === 0) throw new CertificateError('at least one usage is required');
  const dnsNames = [...new Set(opts.dnsNames ?? [])];
  dnsNames.forEach(checkDnsName);
  const ipBytes = new Map<string, Buffer>();
  for (const ip of opts.ipAddresses ?? []) {
    const bytes = parseIp(ip);
    if (bytes === null) {
      throw new CertificateError(`invalid IP address for subjectAltName: ${JSON.stringify(ip)}`);
    }
    ipBytes.set(bytes.toString('hex'), bytes);
  }

  const caInfo = readCertificate(ca.certPem);
  if (!caInfo.isCA) throw new CertificateError('the issuing certificate is not a CA');
  const caKey = createPrivateKey(ca.keyPem);
  const caCert = x509Of(ca.certPem);
  if (!caCert.checkPrivateKey(caKey)) {
    throw new CertificateError('the CA private key does not match the CA certificate');
  }

  const { publicKey, privateKey } = newKeyPair();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  let { notBefore, notAfter } = validity(opts.now, opts.validDays);
  if (notAfter > caInfo.notAfter) notAfter = caInfo.notAfter;
  if (notBefore < caInfo.notBefore) notBefore = caInfo.notBefore;

  const extKeyUsages = [...new Set(opts.usages)].map((u) =>
    oid(u === 'server' ? OID.serverAuth : OID.clientAuth),
  );
  const extensions = [
    extension(OID.keyUsage, true, namedBits([KeyUsageBit.digitalSignature])),
    extension(OID.extKeyUsage, false, sequence(...extKeyUsages)),
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
  ];
  const authorityKeyId =
    caInfo.subjectKeyId ??
    keyIdentifier(createPublicKey(caKey).export({ type: 'spki', format: 'der' }));
  extensions.push(
    extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, authorityKeyId))),
  );
  if (dnsNames.length > 0 || ipBytes.size > 0) {
    const names = [
      ...dnsNames.map((d) => implicit(2, Buffer.from(d, 'latin1'))),
      ...[...ipBytes.values()].map((b) => implicit(7, b)),
    ];
    extensions.push(extension(OID.subjectAltName, false, sequence(...names)));
  }

  const certPem = buildCertificate({
    issuerName: caInfo.subjectDer,
    subjectName: encodeName(opts.commonName, opts.organizations ?? []),
    notBefore,
    notAfter,
    spki,
    signingKey: caKey,
    extensions,
  });
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** What readCertificate extracts from a certificate. Buffers are fresh copies. */
export interface CertificateInfo {
  /** The DER of the subject Name, exactly as stored (used as the issuer of certificates it signs). */
  subjectDer: Buffer;
  commonName: string | undefined;
  organizations: string[];
  /** basicConstraints cA. */
  isCA: boolean;
  notBefore: Date;
  notAfter: Date;
  /** subjectAltName dNSName entries, in certificate order. */
  dnsNames: string[];
  /** subjectAltName iPAddress entries as canonical text (see formatIp), in certificate order. */
  ipAddresses: string[];
  /** extKeyUsage mapped to usages; other purposes are ignored. */
  usages: CertificateUsage[];
  subjectKeyId: Buffer | undefined;
  authorityKeyId: Buffer | undefined;
}

function decodeString(e: DerElement): string {
  return e.contents.toString(e.tag === 0x0c ? 'utf8' : 'latin1');
}

function decodeTime(e: DerElement): Date {
  const s = e.contents.toString('latin1');
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (m === null) throw new CertificateError(`unsupported certificate time ${JSON.stringify(s)}`);
  let year = Number(m[1]);
  if ((m[1] ?? '').length === 2) year += year >= 50 ? 1900 : 2000;
  return new Date(
    Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])),
  );
}

const parsed = new Map<string, X509Certificate>();

/**
 * The parsed certificate of a PEM text, memoised: start-up checks the same few certificates
 * several times (CA, key match, issuer, SANs, expiry), and each parse costs ~1 ms. Bounded: the
 * memo is cleared when it grows past a handful of entries (a process handles a few PKI files).
 */
export function x509Of(pem: string): X509Certificate {
  let cert = parsed.get(pem);
  if (cert === undefined) {
    cert = new X509Certificate(pem);
    if (parsed.size >= 16) parsed.clear();
    parsed.set(pem, cert);
  }
  return cert;
}

/**
 * Parses the fields the PKI needs from a PEM certificate. Pure; does not check the signature
 * (use X509Certificate.verify for that). Throws CertificateError on input that is not a
 * certificate.
 */
export function readCertificate(certPem: string): CertificateInfo {
  let der: Buffer;
  try {
    der = Buffer.from(x509Of(certPem).raw);
  } catch (err) {
    throw new CertificateError('not a PEM certificate', { cause: err });
  }
  try {
    const [tbs] = readChildren(readElement(der));
    if (tbs === undefined) throw new DerError('no TBSCertificate');
    const fields = readChildren(tbs);
    // version [0] is optional (absent for v1 certificates).
    const base = fields[0]?.tag === 0xa0 ? 1 : 0;
    const subject = fields[base + 4];
    const validityField = fields[base + 3];
    if (subject === undefined || validityField === undefined) throw new DerError('short TBS');
    const [notBefore, notAfter] = readChildren(validityField);
    if (notBefore === undefined || notAfter === undefined) throw new DerError('bad validity');

    const info: CertificateInfo = {
      subjectDer: Buffer.from(subject.raw),
      commonName: undefined,
      organizations: [],
      isCA: false,
      notBefore: decodeTime(notBefore),
      notAfter: decodeTime(notAfter),
      dnsNames: [],
      ipAddresses: [],
      usages: [],
      subjectKeyId: undefined,
      authorityKeyId: undefined,
    };
    for (const rdn of readChildren(subject)) {
      for (const atv of readChildren(rdn)) {
        const [type, value] = readChildren(atv);
        if (type === undefined || value === undefined) continue;
        const id = decodeOid(type.contents);
        if (id === OID.commonName) info.commonName = decodeString(value);
        if (id === OID.organization) info.organizations.push(decodeString(value));
      }
    }
    const extensionsField = fields.find((f) => f.tag === 0xa3);
    const extensions = extensionsField === undefined ? [] : readChildren(extensionsField);
    for (const ext of extensions.flatMap((e) => readChildren(e))) {
      const parts = readChildren(ext);
      const id = parts[0] === undefined ? '' : decodeOid(parts[0].contents);
      const valueField = parts[parts.length - 1];
      if (valueField === undefined) continue;
      const value = readElement(valueField.contents);
      switch (id) {
        case OID.basicConstraints: {
          const first = readChildren(value)[0];
          info.isCA = first?.tag === 0x01 && first.contents[0] !== 0;
          break;
        }
        case OID.subjectAltName:
          for (const name of readChildren(value)) {
            if (name.tag === 0x82) info.dnsNames.push(name.contents.toString('latin1'));
            if (name.tag === 0x87) info.ipAddresses.push(formatIp(name.contents));
          }
          break;
        case OID.extKeyUsage:
          for (const purpose of readChildren(value)) {
            const p = decodeOid(purpose.contents);
            if (p === OID.serverAuth) info.usages.push('server');
            if (p === OID.clientAuth) info.usages.push('client');
          }
          break;
        case OID.subjectKeyIdentifier:
          info.subjectKeyId = Buffer.from(value.contents);
          break;
        case OID.authorityKeyIdentifier: {
          const keyId = readChildren(value).find((c) => c.tag === 0x80);
          if (keyId !== undefined) info.authorityKeyId = Buffer.from(keyId.contents);
          break;
        }
      }
    }
    return info;
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    throw new CertificateError('malformed certificate', { cause: err });
  }
}

/** True when `keyPem` is the private key of the certificate `certPem`. Never throws. */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    return x509Of(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/**
 * True when `certPem` was signed by `caCertPem`'s key and names it as issuer. Never throws; a
 * malformed input is simply not issued by the CA.
 */
export function isIssuedBy(certPem: string, caCertPem: string): boolean {
  try {
    const cert = x509Of(certPem);
    const ca = x509Of(caCertPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

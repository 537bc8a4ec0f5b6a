/**
 * The pure pieces of `skiff agent`'s TLS bootstrap (no I/O): the subjects a node asks for (the
 * PKCS#10 request itself is built by src/api/pki's createCertificateRequest), the CSR's name and
 * what its status means, the renewal deadline, and kubeadm's CA public key pins (`sha256:<hex>` of the CA certificate's DER
 * SubjectPublicKeyInfo, as `kubeadm join --discovery-token-ca-cert-hash`).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { SIMULATED_NODE_POOL_GROUP } from '../api/index.ts';
import { DerError, readChildren, readElement } from '../api/pki/index.ts';

/** certificates.k8s.io signer of kube-apiserver client certificates (any identity). */
export const SIGNER_KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
/** certificates.k8s.io signer of kubelet client certificates (`system:node:<name>`). */
export const SIGNER_KUBE_APISERVER_CLIENT_KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
/** certificates.k8s.io signer of kubelet serving certificates. */
export const SIGNER_KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
/** The CN prefix of a remote simulated node pool's client certificate. */
export const SIMULATED_POOL_CN_PREFIX = 'skiff:simulated-node-pool:';

/** Which agent asks: the simulated node pool, or (issue 7) the real kubelet. */
export type AgentKind = 'simulated' | 'kubelet';

/** What a node's CertificateSigningRequest asks for. */
export interface NodeClientRequest {
  signerName: string;
  commonName: string;
  organizations: readonly string[];
  /** certificates.k8s.io/v1 key usages, as the kubelet sends them. */
  usages: readonly string[];
  /** DNS subjectAltNames (serving certificates only). */
  dnsNames?: readonly string[];
  /** IP subjectAltNames, canonical text (serving certificates only). */
  ipAddresses?: readonly string[];
}

/** The SANs a kubelet serving certificate asks for: the Node's own addresses. */
export interface ServingNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** A Node's `status.addresses` entry. */
export interface NodeAddressView {
  type: string;
  address: string;
}

/**
 * The SANs of a kubelet's serving certificate from its Node's `status.addresses`, as the
 * kubelet's serving certificate manager builds its template: Hostname, InternalDNS and
 * ExternalDNS as DNS names, InternalIP and ExternalIP as IPs; each once, in order.
 */
export function servingNamesOf(addresses: readonly NodeAddressView[]): ServingNames {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const a of addresses) {
    const list =
      a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS'
        ? dnsNames
        : a.type === 'InternalIP' || a.type === 'ExternalIP'
          ? ipAddresses
          : undefined;
    if (list !== undefined && a.address !== '' && !list.includes(a.address)) list.push(a.address);
  }
  return { dnsNames, ipAddresses };
}

/**
 * The kubelet's serving certificate request (upstream kubelet serving certificate manager with
 * an ECDSA key): signer kubelet-serving, CN `system:node:<name>`, O system:nodes, usages digital
 * signature and server auth (key encipherment is for RSA keys only), the Node's names and IPs.
 */
export function kubeletServingRequest(nodeName: string, names: ServingNames): NodeClientRequest {
  return {
    signerName: SIGNER_KUBELET_SERVING,
    commonName: `system:node:${nodeName}`,
    organizations: ['system:nodes'],
    usages: ['digital signature', 'server auth'],
    dnsNames: [...names.dnsNames],
    ipAddresses: [...names.ipAddresses],
  };
}

/**
 * The client certificate an agent requests. The kubelet's is upstream's
 * (`system:node:<name>`, O `system:nodes`, signer kube-apiserver-client-kubelet; usages as the
 * kubelet's certificate manager sends for an ECDSA key); a simulated pool is one user for many
 * nodes, `skiff:simulated-node-pool:<name>` in the group `skiff:simulated-node-pools`, signed
 * by the generic client signer.
 */
export function nodeClientRequest(kind: AgentKind, nodeName: string): NodeClientRequest {
  if (kind === 'kubelet') {
    return {
      signerName: SIGNER_KUBE_APISERVER_CLIENT_KUBELET,
      commonName: `system:node:${nodeName}`,
      organizations: ['system:nodes'],
      usages: ['digital signature', 'client auth'],
    };
  }
  return {
    signerName: SIGNER_KUBE_APISERVER_CLIENT,
    commonName: `${SIMULATED_POOL_CN_PREFIX}${nodeName}`,
    organizations: [SIMULATED_NODE_POOL_GROUP],
    usages: ['digital signature', 'client auth'],
  };
}

/** The exact DER SubjectPublicKeyInfo of a certificate (Go's RawSubjectPublicKeyInfo). */
export function subjectPublicKeyInfo(certDer: Buffer): Buffer {
  const cert = readChildren(readElement(certDer));
  const tbs = cert[0];
  if (tbs === undefined) throw new DerError('certificate: empty');
  const fields = readChildren(tbs);
  // TBSCertificate: [0] version (optional), serial, signature, issuer, validity, subject, spki.
  const start = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[start + 5];
  if (spki === undefined) throw new DerError('certificate: no subjectPublicKeyInfo');
  return spki.raw;
}

/**
 * kubeadm's pin of a CA certificate: `sha256:` and the lowercase hex SHA-256 of its DER
 * SubjectPublicKeyInfo (pubkeypin.Hash). Accepts a PEM text, DER bytes or an X509Certificate.
 */
export function caCertHash(cert: string | Buffer | X509Certificate): string {
  const x509 = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  const digest = createHash('sha256').update(subjectPublicKeyInfo(x509.raw)).digest('hex');
  return `sha256:${digest}`;
}

/**
 * Parses a `--ca-cert-hash` value as kubeadm's pubkeypin.Set.Allow does and returns it
 * canonical (`sha256:<lowercase hex>`); throws Error with kubeadm's message otherwise.
 */
export function parseCaCertHash(text: string): string {
  const parts = text.split(':');
  if (parts.length !== 2) {
    throw new Error('invalid hash, expected "format:hex-value". Known format(s) are: sha256');
  }
  const [format = '', value = ''] = parts;
  if (format.toLowerCase() !== 'sha256') {
    throw new Error(`unknown hash format ${JSON.stringify(format)}. Known format(s) are: sha256`);
  }
  // Go's hex.DecodedLen is len/2: the length is checked before the digits.
  const decodedLength = Math.floor(value.length / 2);
  if (decodedLength !== 32) {
    throw new Error(
      `invalid hash ${JSON.stringify(text)}, expected a 32 byte SHA-256 hash, found ${String(decodedLength)} bytes`,
    );
  }
  if (!/^[0-9a-fA-F]*$/.test(value)) {
    throw new Error(
      `invalid hash ${JSON.stringify(text)}, could not decode SHA-256 from hex: encoding/hex: invalid byte`,
    );
  }
  return `sha256:${value.toLowerCase()}`;
}

/**
 * The first certificate of `chain` (DER or PEM each) whose pin is in `pins`, or an Error with
 * kubeadm's CheckAny message (`none of the public keys "sha256:…:sha256:…" are pinned`).
 */
export function findPinnedCertificate(
  chain: readonly X509Certificate[],
  pins: readonly string[],
): X509Certificate | Error {
  const hashes: string[] = [];
  for (const cert of chain) {
    const h = caCertHash(cert);
    if (pins.includes(h)) return cert;
    hashes.push(h);
  }
  return new Error(`none of the public keys ${JSON.stringify(hashes.join(':'))} are pinned`);
}

/**
 * When the kubelet's certificate manager renews a certificate valid from `notBefore` to
 * `notAfter`: at a random point between 70% and 90% of its lifetime (`random` in [0, 1)), so a
 * fleet does not renew at once (upstream nextRotationDeadline).
 */
export function rotationDeadline(notBefore: Date, notAfter: Date, random: number): Date {
  const total = notAfter.getTime() - notBefore.getTime();
  const fraction = 0.7 + 0.2 * Math.min(Math.max(random, 0), 0.999999);
  return new Date(notBefore.getTime() + total * fraction);
}

/**
 * The CSR name the kubelet's bootstrap uses (upstream digestedName): `node-csr-` and the
 * unpadded base64url SHA-512/256 of the public key, CN, O values and usages (then, for a
 * serving request, its DNS and IP SANs), each base64url encoded and followed by `|`. The same key and subject always give the same name, so an agent
 * restarted while waiting finds its pending request instead of filing a second one.
 */
export function csrName(spkiDer: Buffer, request: NodeClientRequest): string {
  const hash = createHash('sha512-256');
  const write = (data: Buffer): void => {
    hash.update(data.toString('base64url'));
    hash.update('|');
  };
  write(spkiDer);
  write(Buffer.from(request.commonName));
  for (const o of request.organizations) write(Buffer.from(o));
  for (const u of request.usages) write(Buffer.from(u));
  // Client requests carry no SANs, so their names stay upstream's.
  for (const d of request.dnsNames ?? []) write(Buffer.from(d));
  for (const ip of request.ipAddresses ?? []) write(Buffer.from(ip));
  return `node-csr-${hash.digest('base64url')}`;
}

/** The parts of a CertificateSigningRequest's status the agent reads. */
export interface CsrStatusView {
  status?: {
    certificate?: string;
    conditions?: readonly { type?: string; reason?: string; message?: string }[];
  };
}

/**
 * What a CSR's status means for the requester (upstream csr.WaitForCertificate): the issued
 * certificate (PEM) once Approved and signed; an Error once Denied or Failed (upstream's
 * messages); undefined while pending (approved but not yet signed included).
 */
export function csrOutcome(csr: CsrStatusView): { certificatePem: string } | Error | undefined {
  const conditions = csr.status?.conditions ?? [];
  for (const c of conditions) {
    if (c.type === 'Denied') {
      return new Error(
        `certificate signing request is denied, reason: ${c.reason ?? ''}, message: ${c.message ?? ''}`,
      );
    }
    if (c.type === 'Failed') {
      return new Error(
        `certificate signing request failed, reason: ${c.reason ?? ''}, message: ${c.message ?? ''}`,
      );
    }
  }
  const approved = conditions.some((c) => c.type === 'Approved');
  const certificate = csr.status?.certificate ?? '';
  if (approved && certificate !== '') {
    return { certificatePem: Buffer.from(certificate, 'base64').toString('utf8') };
  }
  return undefined;
}

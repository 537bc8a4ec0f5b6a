/**
 * `skiff agent`'s TLS bootstrap, as the kubelet's (and kubeadm join's) over HTTPS:
 *
 * 1. trust: the server's certificate chain is read without sending anything, and the CA is
 *    chosen by a kubeadm pin (`sha256:<hex>` of its public key), a CA file, or (warned) taken
 *    from the chain unverified; every request after that verifies the server against that CA;
 * 2. with the bootstrap token, a CertificateSigningRequest for the agent's identity is filed
 *    (key generated here, kept in `DIR/agent/<name>.key.tmp` until issued so a restart resumes
 *    the same request) and watched until it is approved and signed, or denied;
 * 3. the issued certificate goes into `DIR/agent/<name>.kubeconfig` (0600), reused on restart
 *    while valid; `renewClientCertificate` files a new request before it expires.
 */
import {
  generateKeyPairSync,
  createPrivateKey,
  createPublicKey,
  X509Certificate,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DetailedPeerCertificate } from 'node:tls';
import { dirname, join } from 'node:path';
import { isAlreadyExists, isForbidden, isUnauthorized } from '../api/index.ts';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { newRestClientset } from '../client/index.ts';
import type { RestConfig } from '../client/index.ts';
import { createCertificateRequest } from '../api/index.ts';
import {
  caCertHash,
  csrName,
  csrOutcome,
  findPinnedCertificate,
  SIGNER_KUBELET_SERVING,
  type NodeClientRequest,
} from './agent-csr.ts';
import { writeFileAtomic } from './data-dir.ts';
import { renderKubeconfig } from './kubeconfig.ts';

/** A bootstrap problem the user must act on; the message is one line. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
}

/** How the agent decides to trust the server, from its flags. */
export type AgentTrust =
  | { kind: 'pin'; pins: readonly string[] }
  | { kind: 'ca-file'; path: string }
  | { kind: 'insecure' };

/** The CA the agent trusts, and how it came to trust it (for the log). */
export interface TrustedCa {
  caPem: string;
  /** `sha256:<hex>` of the CA's public key. */
  hash: string;
  how: 'pinned' | 'file' | 'unverified';
}

const HANDSHAKE_TIMEOUT_MS = 15_000;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isPeerCertificate(c: unknown): c is DetailedPeerCertificate {
  return typeof c === 'object' && c !== null && Buffer.isBuffer((c as { raw?: unknown }).raw);
}

/**
 * The certificates the server at `serverUrl` presents, leaf first, read by a TLS handshake that
 * verifies nothing and sends nothing after it (the connection closes at once), so no credential
 * can leak to an impostor.
 */
export async function fetchServedChain(serverUrl: string): Promise<X509Certificate[]> {
  const url = new URL(serverUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port === '' ? '443' : url.port);
  const isIp = /^[0-9.]+$/.test(host) || host.includes(':');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      ...(isIp ? {} : { servername: host }),
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
      timeout: HANDSHAKE_TIMEOUT_MS,
    });
    socket.once('secureConnect', () => {
      const chain: X509Certificate[] = [];
      const seen = new Set<string>();
      // Node links each certificate to its issuer when the peer sent it (the chain as built,
      // so a sent certificate that signed nothing is not seen: it could not be trusted anyway).
      // The typings promise an issuer on every certificate; at run time the last one has an
      // empty object or nothing.
      let cert: unknown = socket.getPeerCertificate(true);
      while (isPeerCertificate(cert) && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        chain.push(new X509Certificate(cert.raw));
        cert = cert.issuerCertificate;
      }
      socket.destroy();
      resolve(chain);
    });
    socket.once('timeout', () => {
      socket.destroy(new Error('TLS handshake timed out'));
    });
    socket.once('error', (err) => {
      reject(new AgentError(`cannot reach the server at ${serverUrl}: ${errorText(err)}`));
    });
  });
}

/**
 * Checks that `chain[0]` (the server's certificate) chains to `ca` through the other
 * certificates of `chain`: each one issued and signed by the next, up to one `ca` issued.
 */
function chainsTo(chain: readonly X509Certificate[], ca: X509Certificate): boolean {
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    if (cert === undefined) return false;
    if (cert.checkIssued(ca) && cert.verify(ca.publicKey)) return true;
    const next = chain[i + 1];
    if (next === undefined || !cert.checkIssued(next) || !cert.verify(next.publicKey)) return false;
  }
  return false;
}

/**
 * Decides which CA to trust for `serverUrl`, before any credential is sent. With pins, the
 * served chain must hold a certificate whose public key is pinned (kubeadm's message otherwise)
 * and the server's certificate must chain to it; with a CA file, that file; insecure, the root
 * of the served chain (trust on first use: later connections still verify against it, and the
 * caller warns). Throws AgentError.
 */
export async function establishTrust(serverUrl: string, trust: AgentTrust): Promise<TrustedCa> {
  if (trust.kind === 'ca-file') {
    let pem: string;
    try {
      pem = await readFile(trust.path, 'utf8');
      return { caPem: pem, hash: caCertHash(pem), how: 'file' };
    } catch (err) {
      throw new AgentError(`cannot use --ca-file ${trust.path}: ${errorText(err)}`, { cause: err });
    }
  }
  const chain = await fetchServedChain(serverUrl);
  if (chain.length === 0) throw new AgentError(`the server at ${serverUrl} sent no certificate`);
  if (trust.kind === 'insecure') {
    const root = chain[chain.length - 1];
    if (root === undefined || !root.checkIssued(root)) {
      throw new AgentError(
        `the server at ${serverUrl} does not send its CA certificate; pass --ca-file FILE`,
      );
    }
    return { caPem: root.toString(), hash: caCertHash(root), how: 'unverified' };
  }
  const ca = findPinnedCertificate(chain, trust.pins);
  if (ca instanceof Error) {
    throw new AgentError(
      `refusing to trust the server at ${serverUrl}: ${ca.message} (check --ca-cert-hash)`,
    );
  }
  if (!chainsTo(chain, ca)) {
    throw new AgentError(
      `refusing to trust the server at ${serverUrl}: its certificate is not signed by the pinned CA ${JSON.stringify(ca.subject)}`,
    );
  }
  return { caPem: ca.toString(), hash: caCertHash(ca), how: 'pinned' };
}

/** The files of one agent identity in `DIR/agent`. */
export interface AgentFiles {
  /** The kubeconfig with the issued client certificate (0600). */
  kubeconfig: string;
  /** The private key of a request not issued yet (0600; removed once issued). */
  pendingKey: string;
}

/** The paths of identity `name` (e.g. `simulated-nodes`) in the data dir. */
export function agentFiles(dataDir: string, name: string): AgentFiles {
  const dir = join(dataDir, 'agent');
  return {
    kubeconfig: join(dir, `${name}.kubeconfig`),
    pendingKey: join(dir, `${name}.key.tmp`),
  };
}

/** Client credentials the agent runs with (PEM). */
export interface AgentCredentials {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** The RestConfig of `creds`. */
export function restConfigOfCredentials(creds: AgentCredentials, userAgent: string): RestConfig {
  return {
    server: creds.server,
    ca: Buffer.from(creds.caPem),
    cert: Buffer.from(creds.certPem),
    key: Buffer.from(creds.keyPem),
    userAgent,
  };
}

/**
 * The credentials stored in `files.kubeconfig`, if they can be used for `request` against
 * `server` at `now`: the certificate is for the requested CN and groups, matches the key, is
 * within its validity and (when `pins` are given) issued by a pinned CA. Undefined otherwise
 * (missing, another identity, expired: the caller bootstraps again).
 */
export async function loadStoredCredentials(
  files: AgentFiles,
  server: string,
  request: NodeClientRequest,
  now: Date,
  pins: readonly string[] = [],
): Promise<AgentCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(files.kubeconfig, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const { restConfigFromKubeconfig } = await import('../client/index.ts');
    const config = await restConfigFromKubeconfig(text, dirname(files.kubeconfig));
    if (config.server !== server || !config.ca || !config.cert || !config.key) return undefined;
    const cert = new X509Certificate(config.cert);
    const ca = new X509Certificate(config.ca);
    const want = [...request.organizations.map((o) => `O=${o}`), `CN=${request.commonName}`];
    if (cert.subject.split('\n').sort().join('\n') !== want.sort().join('\n')) return undefined;
    if (!cert.checkPrivateKey(createPrivateKey(config.key))) return undefined;
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return undefined;
    if (pins.length > 0 && !pins.includes(caCertHash(ca))) return undefined;
    if (now < new Date(cert.validFrom) || now >= new Date(cert.validTo)) return undefined;
    return {
      server,
      caPem: config.ca.toString('utf8'),
      certPem: config.cert.toString('utf8'),
      keyPem: config.key.toString('utf8'),
    };
  } catch {
    return undefined;
  }
}

/** Writes `creds` as the identity's kubeconfig (0600, atomically). */
export async function storeCredentials(files: AgentFiles, creds: AgentCredentials): Promise<void> {
  await mkdir(dirname(files.kubeconfig), { recursive: true, mode: 0o700 });
  await writeFileAtomic(
    files.kubeconfig,
    renderKubeconfig(creds.server, {
      caPem: creds.caPem,
      clientCertPem: creds.certPem,
      clientKeyPem: creds.keyPem,
    }),
    0o600,
  );
}

/** The pending private key, or a new ECDSA P-256 key saved there first (upstream's key.tmp). */
async function loadOrCreatePendingKey(path: string): Promise<KeyObject> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const key = createPrivateKey(await readFile(path, 'utf8'));
    if (key.asymmetricKeyType === 'ec') return key;
  } catch {
    // Missing or unreadable: make a new one.
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFileAtomic(path, privateKey.export({ type: 'sec1', format: 'pem' }).toString(), 0o600);
  return privateKey;
}

/** What the bootstrap reports while it works (one line each). */
export interface BootstrapLog {
  info(line: string): void;
}

/** Options of {@link requestClientCertificate}. */
export interface RequestCertificateOptions {
  /** How to reach the API server to file the request: the bootstrap token, or the current cert. */
  config: RestConfig;
  request: NodeClientRequest;
  files: AgentFiles;
  /** Aborts the wait (SIGINT). */
  signal: AbortSignal;
  /** Give up waiting for approval and signing after this long. */
  timeoutMs: number;
  log: BootstrapLog;
}

const CSR_RESOURCE = {
  group: 'certificates.k8s.io',
  version: 'v1',
  resource: 'certificatesigningrequests',
} as const;

/**
 * Files a CertificateSigningRequest for `request` (a client certificate, or a kubelet serving
 * one with its SANs) and waits (get, then watch by name) until it
 * is approved and signed. Resolves the certificate and key (PEM); the pending key file is
 * removed once the caller stored them. Throws AgentError when the server refuses the request
 * (a wrong or expired token: 401), denies or fails it, deletes it, or `timeoutMs` passes.
 */
export async function requestClientCertificate(
  opts: RequestCertificateOptions,
): Promise<{ certPem: string; keyPem: string }> {
  const key = await loadOrCreatePendingKey(opts.files.pendingKey);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const name = csrName(spki, opts.request);
  const { csrPem } = createCertificateRequest({
    commonName: opts.request.commonName,
    organizations: [...opts.request.organizations],
    ...(opts.request.dnsNames !== undefined ? { dnsNames: [...opts.request.dnsNames] } : {}),
    ...(opts.request.ipAddresses !== undefined
      ? { ipAddresses: [...opts.request.ipAddresses] }
      : {}),
    keyPem: keyPem(key),
  });
  const what =
    opts.request.signerName === SIGNER_KUBELET_SERVING
      ? 'serving certificate'
      : 'client certificate';
  const { clientset, transport } = newRestClientset(opts.config, { maxRetries: 3 });
  const client = clientset.resource<CertificateSigningRequest>(CSR_RESOURCE);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([opts.signal, timeout]);
  const approveHint = `kubectl certificate approve ${name}`;
  try {
    try {
      await client.create('', {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name },
        spec: {
          request: Buffer.from(csrPem).toString('base64'),
          signerName: opts.request.signerName,
          usages: [...opts.request.usages],
        },
      });
      opts.log.info(
        `Requested a ${what} for ${opts.request.commonName} (CertificateSigningRequest ${name}); waiting for it to be approved and signed`,
      );
    } catch (err) {
      if (isUnauthorized(err)) {
        throw new AgentError(
          `the server refused the bootstrap credentials (401 Unauthorized: ${errorText(err)}); is the token right and not expired? (skiff token list)`,
          { cause: err },
        );
      }
      if (isForbidden(err)) {
        throw new AgentError(`not allowed to request a ${what}: ${errorText(err)}`, {
          cause: err,
        });
      }
      if (!isAlreadyExists(err)) throw err;
      opts.log.info(`Waiting for the CertificateSigningRequest ${name} filed earlier`);
    }
    for (;;) {
      const current = await client.get('', name);
      const first = csrOutcome(current);
      if (first instanceof Error) throw new AgentError(`${name}: ${first.message}`);
      if (first !== undefined) return { certPem: first.certificatePem, keyPem: keyPem(key) };
      const events = client.watch(
        '',
        {
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: current.metadata?.resourceVersion ?? '',
        },
        signal,
      );
      for await (const event of events) {
        if (event.type === 'DELETED') {
          throw new AgentError(`the CertificateSigningRequest ${name} was deleted`);
        }
        if (event.type === 'BOOKMARK') continue;
        const outcome = csrOutcome(event.object);
        if (outcome instanceof Error) throw new AgentError(`${name}: ${outcome.message}`);
        if (outcome !== undefined) return { certPem: outcome.certificatePem, keyPem: keyPem(key) };
      }
      if (signal.aborted) break;
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    transport.close();
  }
  if (opts.signal.aborted) throw new AgentError('interrupted while waiting for the certificate');
  throw new AgentError(
    `timed out after ${String(Math.round(opts.timeoutMs / 1000))}s waiting for the CertificateSigningRequest ${name} to be approved and signed (approve it with: ${approveHint})`,
  );
}

function keyPem(key: KeyObject): string {
  return key.export({ type: 'sec1', format: 'pem' }).toString();
}

/** Removes the pending key once its certificate is stored. */
export async function forgetPendingKey(files: AgentFiles): Promise<void> {
  await rm(files.pendingKey, { force: true });
}

/**
 * Waits until `deadline` (re-checking the clock at most every hour, so a suspended machine
 * renews promptly after resuming), then runs `renew` until it succeeds, retrying every 30 s.
 * Resolves undefined when `signal` aborts first.
 */
export async function renewAt<T>(
  deadline: Date,
  now: () => Date,
  signal: AbortSignal,
  renew: () => Promise<T>,
  onError: (err: unknown) => void,
): Promise<T | undefined> {
  const pause = async (ms: number): Promise<boolean> => {
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  };
  for (;;) {
    const left = deadline.getTime() - now().getTime();
    if (left <= 0) break;
    if (!(await pause(Math.min(left, 3_600_000)))) return undefined;
  }
  while (!signal.aborted) {
    try {
      return await renew();
    } catch (err) {
      onError(err);
      if (!(await pause(30_000))) return undefined;
    }
  }
  return undefined;
}

/**
 * `skiff agent` running the real kubelet on this machine as a client of a remote server (issue
 * 7), after the TLS bootstrap of agent-bootstrap.ts gave it the client certificate of
 * `system:node:<name>`:
 *
 * - the client certificate is renewed at 70-90% of its lifetime; the node's requests go through
 *   a {@link RotatingTransport}, which moves to the new certificate at once (the old
 *   connection is closed, so watches re-open with it, as the kubelet's certificate manager
 *   closes its connections on rotation);
 * - the serving certificate comes from a `kubernetes.io/kubelet-serving` CSR filed with the
 *   node's own identity once its Node reports its addresses (the server's approver checks the
 *   SANs against them), kept with its key in `DIR/agent/kubelet-server-current.pem` (0600;
 *   reused while valid for the same names), renewed the same way; the kubelet server swaps its
 *   TLS context;
 * - everything else is `skiff up`'s node (node-agent.ts, startRealNode).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatIp, parseIp } from '../api/index.ts';
import { RestResourceClient, Transport, newClientset } from '../client/index.ts';
import type { RestConfig, RestRequest } from '../client/index.ts';
import type { AgentFiles, BootstrapLog } from './agent-bootstrap.ts';
import { forgetPendingKey, renewAt, requestClientCertificate } from './agent-bootstrap.ts';
import { kubeletServingRequest, rotationDeadline, servingNamesOf } from './agent-csr.ts';
import type { NodeClientRequest, ServingNames } from './agent-csr.ts';
import { writeFileAtomic } from './data-dir.ts';
import type {
  NodeClient,
  ServingCertificate,
  ServingCertificateSource,
  ServingContext,
} from './node-agent.ts';

/**
 * A Transport whose credentials can be replaced while clients use it: each request goes to the
 * current inner transport; {@link rotate} makes a new one and closes the old (its in-flight
 * requests and watches end with an error and are retried by their callers on the new one).
 */
export class RotatingTransport extends Transport {
  #current: Transport;

  constructor(config: RestConfig) {
    super(config);
    this.#current = new Transport(config);
  }

  /** Uses `config` from now on; closes the previous connection. */
  rotate(config: RestConfig): void {
    const old = this.#current;
    this.#current = new Transport(config);
    old.close();
  }

  override close(): void {
    this.#current.close();
    super.close();
  }

  override request(req: RestRequest): Promise<unknown> {
    return this.#current.request(req);
  }

  override async *streamJson(req: RestRequest): AsyncGenerator<unknown, void, undefined> {
    yield* this.#current.streamJson(req);
  }
}

/** A node client over a {@link RotatingTransport}. */
export function rotatingNodeClient(transport: RotatingTransport): NodeClient {
  return {
    clientset: newClientset((gvr) => new RestResourceClient(transport, gvr)),
    close: () => {
      transport.close();
    },
  };
}

/** The serving certificate's files in `DIR/agent` (upstream kubelet-server-current.pem). */
export function servingFiles(dataDir: string): AgentFiles {
  const dir = join(dataDir, 'agent');
  return {
    kubeconfig: join(dir, 'kubelet-server-current.pem'),
    pendingKey: join(dir, 'kubelet-server.key.tmp'),
  };
}

function canonicalIp(text: string): string {
  const bytes = parseIp(text);
  return bytes === null ? text : formatIp(bytes);
}

/** The DNS and IP SANs of a certificate (node:crypto's subjectAltName text). */
export function certificateNames(cert: X509Certificate): ServingNames {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ipAddresses.push(canonicalIp(part.slice(11)));
  }
  return { dnsNames, ipAddresses };
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;

/**
 * The serving certificate and key stored in `path` (both PEM blocks in one file), if they are
 * for `request` (CN, O, the same DNS and IP SANs), match, were issued by `caPem` and are valid
 * at `now`; undefined otherwise (the caller requests a new one).
 */
export async function loadServingCertificate(
  path: string,
  caPem: string,
  request: NodeClientRequest,
  now: Date,
): Promise<ServingCertificate | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const certPem = /-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
    const keyPem =
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[^]*?-----END [A-Z ]*PRIVATE KEY-----\n?/.exec(text)?.[0];
    if (certPem === undefined || keyPem === undefined) return undefined;
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    const want = [...request.organizations.map((o) => `O=${o}`), `CN=${request.commonName}`];
    if (cert.subject.split('\n').sort().join('\n') !== want.sort().join('\n')) return undefined;
    const names = certificateNames(cert);
    if (!sameSet(names.dnsNames, request.dnsNames ?? [])) return undefined;
    const ips = (request.ipAddresses ?? []).map(canonicalIp);
    if (!sameSet(names.ipAddresses, ips)) return undefined;
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return undefined;
    if (now < new Date(cert.validFrom) || now >= new Date(cert.validTo)) return undefined;
    return { certPem, keyPem };
  } catch {
    return undefined;
  }
}

/** Writes the serving certificate and its key into one file (0600, atomically). */
export async function storeServingCertificate(
  path: string,
  serving: ServingCertificate,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const nl = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);
  await writeFileAtomic(path, nl(serving.certPem) + nl(serving.keyPem), 0o600);
}

/** How often the Node is read while waiting for its addresses. */
const ADDRESS_POLL_MS = 500;

/**
 * The SANs of `ctx.nodeName`'s serving certificate, once its Node reports an IP address (the
 * kubelet registers it in parallel). Rejects when `ctx.signal` aborts.
 */
async function nodeServingNames(ctx: ServingContext): Promise<ServingNames> {
  for (;;) {
    ctx.signal.throwIfAborted();
    try {
      const node = await ctx.clientset.nodes.get('', ctx.nodeName);
      const names = servingNamesOf(node.status?.addresses ?? []);
      if (names.ipAddresses.length > 0) return names;
    } catch {
      // Not registered yet, or the server is briefly away: read again.
    }
    try {
      await sleep(ADDRESS_POLL_MS, undefined, { signal: ctx.signal });
    } catch {
      ctx.signal.throwIfAborted();
    }
  }
}

/** What {@link csrServingSource} needs. */
export interface CsrServingSourceOptions {
  readonly dataDir: string;
  /** The cluster CA (PEM) the certificate must chain to. */
  readonly caPem: string;
  /** The node's current client credentials, to file the CSRs with. */
  readonly restConfig: () => RestConfig;
  /** How long to wait for approval and signing. */
  readonly timeoutMs: number;
  readonly now?: () => Date;
  /** In [0, 1): where between 70% and 90% of the lifetime to renew (default Math.random). */
  readonly random?: () => number;
}

/**
 * The serving certificate source of `skiff agent`: the stored certificate while it is valid for
 * the Node's current names, else a kubelet-serving CSR filed with the node's identity and
 * waited for; renewed at 70-90% of its lifetime (retried every 30 s on failure).
 */
export function csrServingSource(opts: CsrServingSourceOptions): ServingCertificateSource {
  const files = servingFiles(opts.dataDir);
  const now = opts.now ?? ((): Date => new Date());
  const random = opts.random ?? Math.random;
  const issue = async (ctx: ServingContext, names: ServingNames): Promise<ServingCertificate> => {
    const log: BootstrapLog = {
      info: (line) => {
        ctx.out(line);
      },
    };
    const issued = await requestClientCertificate({
      config: opts.restConfig(),
      request: kubeletServingRequest(ctx.nodeName, names),
      files,
      signal: ctx.signal,
      timeoutMs: opts.timeoutMs,
      log,
    });
    await storeServingCertificate(files.kubeconfig, issued);
    await forgetPendingKey(files);
    return issued;
  };
  return {
    async initial(ctx) {
      const names = await nodeServingNames(ctx);
      const request = kubeletServingRequest(ctx.nodeName, names);
      const stored = await loadServingCertificate(files.kubeconfig, opts.caPem, request, now());
      if (stored !== undefined) {
        ctx.out(`Using the serving certificate in ${files.kubeconfig}`);
        return stored;
      }
      const issued = await issue(ctx, names);
      ctx.out(`Serving certificate issued; written to ${files.kubeconfig}`);
      return issued;
    },
    async rotate(ctx, current, update) {
      let cert = current;
      while (!ctx.signal.aborted) {
        const x509 = new X509Certificate(cert.certPem);
        const deadline = rotationDeadline(
          new Date(x509.validFrom),
          new Date(x509.validTo),
          random(),
        );
        const next = await renewAt(
          deadline,
          now,
          ctx.signal,
          async () => issue(ctx, await nodeServingNames(ctx)),
          (err) => {
            ctx.warn(
              `renewing the serving certificate failed: ${err instanceof Error ? err.message : String(err)}`,
            );
          },
        );
        if (next === undefined) return;
        update(next);
        ctx.out(`Serving certificate renewed; written to ${files.kubeconfig}`);
        cert = next;
      }
    },
  };
}

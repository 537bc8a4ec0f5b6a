/**
 * This machine as a node (issue 7): the real kubelet (src/kubelet/agent) with runc, images, CNI
 * and cgroups, and its HTTPS server (src/kubelet/server) for `kubectl
 * logs|exec|attach|port-forward`, always through the client library like any other component.
 * {@link startRealNode} is the part `skiff up` and `skiff agent` share: it takes the node's
 * client (a factory) and where its serving certificate comes from. {@link runRealNode} is
 * `skiff up`'s node, in the server's process: its identity is `system:node:<name>` (group
 * system:nodes), issued from the cluster CA as the other in-process components' are, and its
 * serving certificate is signed by the same CA directly, so the API server verifies it;
 * `skiff agent` gets both through CertificateSigningRequests (agent-kubelet.ts). The pod CIDR
 * comes from the controller-manager's node IPAM controller (the Node is created first so that
 * it gets one).
 */
import { Server as HttpsServer } from 'node:https';
import { hostname } from 'node:os';
import type { Node } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound } from '../api/index.ts';
import type { CertificateAuthority, CertificateKeyPair } from '../apiserver/pki/index.ts';
import { issueCertificate } from '../apiserver/pki/index.ts';
import { newEventRecorder, newRestClientset } from '../client/index.ts';
import type { Clientset } from '../client/index.ts';
import {
  createHostKubelet,
  DEFAULT_KUBELET_PORT,
  defaultNodeIP,
  hostStats,
  kubeletServerBackend,
} from '../kubelet/agent/index.ts';
import {
  KubeletServer,
  subjectAccessReviewAuthorizer,
  tokenReviewAuthenticator,
} from '../kubelet/server/index.ts';
import { freePorts } from '../storage/etcd/index.ts';
import { restConfigOf } from './component-identity.ts';
import type { KubeletConfigFlags } from './kubelet-config-flags.ts';
import { ensureClientCertificate } from './data-dir.ts';

/** The node's client to the API server; `close` releases it once the node stopped. */
export interface NodeClient {
  readonly clientset: Clientset;
  close(): void;
}

/** A kubelet serving certificate and its key (PEM). */
export interface ServingCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** What a {@link ServingCertificateSource} may use. */
export interface ServingContext {
  /** The node's own client. */
  readonly clientset: Clientset;
  readonly nodeName: string;
  /** The node's primary IP (its InternalIP). */
  readonly nodeIp: string;
  /** Aborts when the node stops. */
  readonly signal: AbortSignal;
  out(message: string): void;
  warn(message: string): void;
}

/**
 * Where the kubelet's serving certificate comes from. `initial` is called once the kubelet runs
 * (it registers its Node in parallel, so a source may wait for the Node's addresses) and the
 * kubelet server listens once it resolves; `rotate`, when present, runs until `ctx.signal`
 * aborts and hands each renewed certificate to `update` (the server swaps its TLS context:
 * open connections keep the old one).
 */
export interface ServingCertificateSource {
  initial(ctx: ServingContext): Promise<ServingCertificate>;
  rotate?(
    ctx: ServingContext,
    current: ServingCertificate,
    update: (next: ServingCertificate) => void,
  ): Promise<void>;
}

/** What {@link startRealNode} needs. */
export interface StartRealNodeOptions {
  readonly nodeName: string;
  /** The node's state (images, containers, pod dirs, logs) lives here. */
  readonly dataDir: string;
  /** Default: the first non-loopback IPv4 address. */
  readonly nodeIp?: string;
  /** Default 10250; 0 picks a free port. */
  readonly kubeletPort?: number;
  /** Whether a node IPAM controller gives the Node its pod CIDR (else 10.42.0.0/24). */
  /** The kubelet's eviction and container-log settings (`--eviction-hard` ...), as given. */
  readonly kubeletConfig?: KubeletConfigFlags;
  readonly nodeIpam: boolean;
  /** Makes the node's client; called once, closed when the node stops. */
  readonly client: () => NodeClient;
  /** The CA of the client certificates the kubelet server accepts (the cluster CA). */
  readonly clientCaPem: string;
  readonly serving: ServingCertificateSource;
  /**
   * Called once the kubelet server listens (e.g. the control-plane labels); `signal` aborts when
   * the node stops; a rejection is warned.
   */
  readonly onListening?: (signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  out(message: string): void;
  warn(message: string): void;
}

/** What the node needs from `skiff up`. */
export interface RealNodeOptions {
  /** The data dir: the node keeps images, containers, pod dirs and logs beside the server's files. */
  dataDir: string;
  /** The API server's URL as seen from this process. */
  server: string;
  ca: CertificateAuthority;
  /**
   * The admin's certificate: it labels the Node as the control plane's once registered
   * (NodeRestriction forbids a kubelet to set node-role labels on itself; k3s's server labels
   * its node the same way).
   */
  admin?: CertificateKeyPair;
  /** Default: the first non-loopback IPv4 address. */
  nodeIp?: string;
  /** Default 10250; 0 picks a free port. */
  kubeletPort?: number;
  /** The kubelet's eviction and container-log flags of `up`. */
  kubeletConfig?: KubeletConfigFlags;
  /** Whether a controller-manager (and so the node IPAM controller) runs. */
  nodeIpam: boolean;
  signal: AbortSignal;
  /** Progress lines for the user. */
  out(message: string): void;
  /** Problems the node survives. */
  warn(message: string): void;
}

/** The pod CIDR a node uses when no node IPAM controller runs (the first /24 of k3s's range). */
const FALLBACK_POD_CIDR = '10.42.0.0/24';
const POD_CIDR_WAIT_MS = 30_000;

/** A Node name from the host name, as the kubelet's --hostname-override default. */
export function nodeNameOfHost(host = hostname()): string {
  return host.toLowerCase();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * The node's pod CIDR: the Node's own when it has one, else the one the node IPAM controller
 * gives it (the Node is created bare first, as a kubelet registering without --pod-cidr waits
 * for it). Throws after 30 s without one.
 */
async function podCidrOf(
  cs: Clientset,
  name: string,
  ipam: boolean,
  signal: AbortSignal,
): Promise<string> {
  let node: Node | undefined;
  try {
    node = await cs.nodes.get('', name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const cidr = (n: Node | undefined): string => n?.spec?.podCIDR ?? '';
  if (cidr(node) !== '') return cidr(node);
  if (!ipam) return FALLBACK_POD_CIDR;
  if (node === undefined) {
    try {
      node = await cs.nodes.create('', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  const deadline = Date.now() + POD_CIDR_WAIT_MS;
  while (!signal.aborted && Date.now() < deadline) {
    const current = await cs.nodes.get('', name, { resourceVersion: '0' });
    if (cidr(current) !== '') return cidr(current);
    await sleep(100, signal);
  }
  throw new Error(
    `node ${name} got no pod CIDR in ${POD_CIDR_WAIT_MS / 1000} s: the controller-manager's node IPAM controller assigns it`,
  );
}

/** k3s's role labels of a server's node. */
const CONTROL_PLANE_LABELS = {
  'node-role.kubernetes.io/control-plane': 'true',
  'node-role.kubernetes.io/master': 'true',
};

/** Once the kubelet registered the Node (it has nodeInfo), adds the role labels as the admin. */
async function labelControlPlane(
  opts: RealNodeOptions,
  admin: CertificateKeyPair,
  nodeName: string,
): Promise<void> {
  const id = { server: opts.server, caPem: opts.ca.certPem, ...admin };
  const { clientset, transport } = newRestClientset(restConfigOf(id, 'skiff-up'));
  try {
    while (!opts.signal.aborted) {
      const node = await clientset.nodes.get('', nodeName, { resourceVersion: '0' });
      if ((node.status?.nodeInfo?.kubeletVersion ?? '') !== '') {
        await clientset.nodes.patch('', nodeName, 'merge', {
          metadata: { labels: CONTROL_PLANE_LABELS },
        });
        return;
      }
      await sleep(200, opts.signal);
    }
  } finally {
    transport.close();
  }
}

/**
 * Runs the real kubelet for this machine until `opts.signal` aborts: the pod CIDR (waiting for
 * the node IPAM controller), the host kubelet (its preflight rejects with every problem), the
 * kubelet (Node registration, Lease, pods) and, once the serving certificate is there, the
 * kubelet's HTTPS server with TokenReview/SubjectAccessReview authn/authz. Rejects when it cannot
 * start or the kubelet fails; resolves after a clean stop (containers keep running).
 */
export async function startRealNode(opts: StartRealNodeOptions): Promise<void> {
  const { nodeName } = opts;
  const nodeIp = opts.nodeIp ?? defaultNodeIP();
  const client = opts.client();
  const { clientset } = client;
  const recorder = newEventRecorder(clientset, { component: 'kubelet', host: nodeName });
  let port = opts.kubeletPort ?? DEFAULT_KUBELET_PORT;
  if (port === 0) port = (await freePorts(1))[0] ?? DEFAULT_KUBELET_PORT;
  try {
    const podCIDR = await podCidrOf(clientset, nodeName, opts.nodeIpam, opts.signal);
    const host = await createHostKubelet({
      clientset,
      nodeName,
      dataDir: opts.dataDir,
      podCIDR,
      nodeIP: nodeIp,
      kubeletPort: port,
      ...(opts.kubeletConfig ?? {}),
      recorder,
      log: {
        info: () => undefined,
        error: (msg, fields) => {
          opts.warn(`node: ${msg}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`);
        },
      },
    });
    // The kubelet registers the Node while the serving certificate is obtained (a CSR source
    // waits for the Node's addresses); a kubelet that fails stops the wait.
    const stopped = new AbortController();
    const nodeSignal = AbortSignal.any([opts.signal, stopped.signal]);
    const running = host.kubelet.run(nodeSignal).finally(() => {
      stopped.abort();
    });
    running.catch(() => undefined);
    const ctx: ServingContext = {
      clientset,
      nodeName,
      nodeIp,
      signal: nodeSignal,
      out: (m) => {
        opts.out(m);
      },
      warn: (m) => {
        opts.warn(m);
      },
    };
    let server: KubeletServer | undefined;
    let rotation: Promise<void> = Promise.resolve();
    let listening: Promise<void> = Promise.resolve();
    try {
      const serving = await opts.serving.initial(ctx);
      server = new KubeletServer({
        backend: kubeletServerBackend(
          host.kubelet,
          host.runtime,
          hostStats(host, nodeName, opts.dataDir),
        ),
        tls: { cert: serving.certPem, key: serving.keyPem, ca: opts.clientCaPem },
        auth: {
          x509: true,
          token: tokenReviewAuthenticator(clientset),
          authorize: subjectAccessReviewAuthorizer(clientset),
        },
      });
      await server.listen(port, '0.0.0.0');
      opts.out(`Node ${nodeName} (${nodeIp}, pod CIDR ${podCIDR}): kubelet on port ${port}`);
      const https = server.httpServer;
      if (opts.serving.rotate !== undefined) {
        rotation = opts.serving
          .rotate(ctx, serving, (next) => {
            // New connections get the renewed certificate (the kubelet's certificate manager
            // hands its tls.Config the current one through GetCertificate).
            if (https instanceof HttpsServer) {
              https.setSecureContext({
                cert: next.certPem,
                key: next.keyPem,
                ca: opts.clientCaPem,
              });
            }
          })
          .catch((err: unknown) => {
            opts.warn(`node: serving certificate rotation stopped: ${errorText(err)}`);
          });
      }
      if (opts.onListening !== undefined) {
        listening = opts.onListening(nodeSignal).catch((err: unknown) => {
          opts.warn(`node: ${errorText(err)}`);
        });
      }
      await running;
    } catch (err) {
      // Stopping while the serving certificate is awaited is a clean stop.
      if (opts.signal.aborted) return;
      // The kubelet's own failure explains more than a serving wait it interrupted.
      if (stopped.signal.aborted) await running;
      // Otherwise `finally` stops the kubelet: a node without its server must not run.
      throw err;
    } finally {
      stopped.abort();
      await Promise.all([rotation, listening]);
      await server?.close();
      await running.catch(() => undefined);
      await host.close();
    }
  } finally {
    recorder.shutDown();
    client.close();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs this machine's node of `skiff up` until `signal` aborts; rejects when it cannot start. */
export async function runRealNode(opts: RealNodeOptions): Promise<void> {
  const nodeName = nodeNameOfHost();
  const nodeIp = opts.nodeIp ?? defaultNodeIP();
  const identity = await ensureClientCertificate(opts.dataDir, opts.ca, 'kubelet', {
    commonName: `system:node:${nodeName}`,
    organizations: ['system:nodes'],
  });
  const id = { server: opts.server, caPem: opts.ca.certPem, ...identity.pair };
  const { admin } = opts;
  await startRealNode({
    nodeName,
    dataDir: opts.dataDir,
    nodeIp,
    ...(opts.kubeletPort !== undefined ? { kubeletPort: opts.kubeletPort } : {}),
    ...(opts.kubeletConfig !== undefined ? { kubeletConfig: opts.kubeletConfig } : {}),
    nodeIpam: opts.nodeIpam,
    client: () => {
      const { clientset, transport } = newRestClientset(
        restConfigOf(id, `kubelet/v1.32.0 (linux/amd64) kubernetes/skiff`),
      );
      return {
        clientset,
        close: () => {
          transport.close();
        },
      };
    },
    clientCaPem: opts.ca.certPem,
    // The serving certificate as the kubelet's own (CN system:node:<name>), for the names and
    // addresses the API server may dial, issued directly: this process holds the CA.
    serving: {
      initial: () =>
        Promise.resolve(
          issueCertificate(opts.ca, {
            commonName: `system:node:${nodeName}`,
            organizations: ['system:nodes'],
            dnsNames: [nodeName, 'localhost'],
            ipAddresses: [...new Set([nodeIp, '127.0.0.1'])],
            usages: ['server'],
            validDays: 365,
          }),
        ),
    },
    ...(admin === undefined
      ? {}
      : {
          onListening: (signal) =>
            labelControlPlane({ ...opts, signal }, admin, nodeName).catch((err: unknown) => {
              throw new Error(`cannot label ${nodeName}: ${errorText(err)}`, { cause: err });
            }),
        }),
    signal: opts.signal,
    out: (m) => {
      opts.out(m);
    },
    warn: (m) => {
      opts.warn(m);
    },
  });
}

/**
 * This machine as a node of `skiff up` (issue 7): the real kubelet (src/kubelet/agent) with
 * runc, images, CNI and cgroups, and its HTTPS server (src/kubelet/server) for `kubectl
 * logs|exec|attach|port-forward`, in the server's process but through the client library like
 * any other component. Its identity is `system:node:<name>` (group system:nodes), issued from
 * the cluster CA as the other in-process components' are; its serving certificate is signed by
 * the same CA, so the API server verifies it. The pod CIDR comes from the controller-manager's
 * node IPAM controller (the Node is created first so that it gets one).
 */
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
import { ensureClientCertificate } from './data-dir.ts';

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

/** Runs this machine's node until `signal` aborts; rejects when it cannot start. */
export async function runRealNode(opts: RealNodeOptions): Promise<void> {
  const nodeName = nodeNameOfHost();
  const nodeIp = opts.nodeIp ?? defaultNodeIP();
  const identity = await ensureClientCertificate(opts.dataDir, opts.ca, 'kubelet', {
    commonName: `system:node:${nodeName}`,
    organizations: ['system:nodes'],
  });
  const id = { server: opts.server, caPem: opts.ca.certPem, ...identity.pair };
  const { clientset, transport } = newRestClientset(
    restConfigOf(id, `kubelet/v1.32.0 (linux/amd64) kubernetes/skiff`),
  );
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
      recorder,
      log: {
        info: () => undefined,
        error: (msg, fields) => {
          opts.warn(`node: ${msg}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`);
        },
      },
    });
    // The serving certificate as the kubelet's own (CN system:node:<name>), for the names and
    // addresses the API server may dial.
    const serving = issueCertificate(opts.ca, {
      commonName: `system:node:${nodeName}`,
      organizations: ['system:nodes'],
      dnsNames: [nodeName, 'localhost'],
      ipAddresses: [...new Set([nodeIp, '127.0.0.1'])],
      usages: ['server'],
      validDays: 365,
    });
    const server = new KubeletServer({
      backend: kubeletServerBackend(
        host.kubelet,
        host.runtime,
        hostStats(host, nodeName, opts.dataDir),
      ),
      tls: { cert: serving.certPem, key: serving.keyPem, ca: opts.ca.certPem },
      auth: {
        x509: true,
        token: tokenReviewAuthenticator(clientset),
        authorize: subjectAccessReviewAuthorizer(clientset),
      },
    });
    await server.listen(port, '0.0.0.0');
    opts.out(`Node ${nodeName} (${nodeIp}, pod CIDR ${podCIDR}): kubelet on port ${port}`);
    const labelling =
      opts.admin === undefined
        ? Promise.resolve()
        : labelControlPlane(opts, opts.admin, nodeName).catch((err: unknown) => {
            opts.warn(
              `node: cannot label ${nodeName}: ${err instanceof Error ? err.message : String(err)}`,
            );
          });
    try {
      await host.kubelet.run(opts.signal);
    } finally {
      await labelling;
      await server.close();
      await host.close();
    }
  } finally {
    recorder.shutDown();
    transport.close();
  }
}

/**
 * The CSR approving controller (upstream pkg/controller/certificates/approver/sarapprove.go,
 * `csrapproving`): a pending CSR a recognizer matches is approved when a SubjectAccessReview
 * says its requester (spec.username/uid/groups/extra) may `create` the recognizer's
 * `certificatesigningrequests/<subresource>` in certificates.k8s.io:
 *
 * - `selfnodeclient`: a kubelet client CSR (signer kube-apiserver-client-kubelet, upstream's
 *   kubelet client checks) whose CN is the requester's own name (a node renewing);
 * - `nodeclient`: any kubelet client CSR (a bootstrap token asking for `system:node:<name>`);
 * - `simulatednodepool` (Skiff): signer kube-apiserver-client, CN
 *   `skiff:simulated-node-pool:<name>`, O exactly [skiff:simulated-node-pools], no SANs, usages
 *   among digital signature/key encipherment/client auth with client auth.
 *
 * Kubelet serving CSRs (signer kubernetes.io/kubelet-serving) are never auto-approved upstream
 * (a node could otherwise claim any name or address); k3s issues them from its server, and
 * clusters add postfinance/kubelet-csr-approver. Skiff applies that add-on's policy
 * ({@link kubeletServingVerdict}): the requester is the node itself (`system:node:<name>` in
 * system:nodes and system:authenticated), CN is that user, O exactly [system:nodes], usages
 * exactly the kubelet's (digital signature, server auth, plus key encipherment for an RSA key),
 * no email or URI SANs, and every DNS and IP SAN is an address the Node `<name>` reports in
 * status.addresses (Hostname/InternalDNS/ExternalDNS for names, InternalIP/ExternalIP for IPs).
 * So the kubelet registers its Node with its addresses first, then files the CSR. A CSR that
 * fails the shape checks is left pending for a human; one whose SANs the Node does not report
 * (yet) is looked at again whenever that Node changes. No SubjectAccessReview is made for it: the
 * requester's identity is the node's own client certificate.
 *
 * Approval is the `Approved` condition (reason AutoApproved) written through `/approval`. A
 * recognized CSR whose reviews all deny is retried with rate limiting, as upstream's
 * IgnorableError; unrecognized CSRs are left for a human (`kubectl certificate approve`).
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  KUBELET_SERVING_SIGNER,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBE_APISERVER_CLIENT_SIGNER,
  certApprovalCondition,
  formatIp,
  parseCSR,
  parseIp,
  validateAPIServerClientUsages,
  validateKubeletClientCSR,
} from '../../api/index.ts';
import type { CertificateRequestInfo } from '../../api/index.ts';
import { BUILTIN_RESOURCES } from '../../client/index.ts';
import type {
  Clientset,
  InformerFactory,
  KubeObject,
  Lister,
  RateLimitingQueue,
} from '../../client/index.ts';
import type { ControllerLogger } from '../shared/index.ts';
import { CSR_RESOURCE, CertificateController, SAR_RESOURCE } from './certificate-controller.ts';

/** The CN prefix of a Skiff simulated node pool's client certificate. */
export const SIMULATED_NODE_POOL_CN_PREFIX = 'skiff:simulated-node-pool:';
/** The only O a Skiff simulated node pool's client certificate carries. */
export const SIMULATED_NODE_POOLS_GROUP = 'skiff:simulated-node-pools';

/** One auto-approval rule (upstream csrRecognizer). */
export interface CsrRecognizer {
  recognize(csr: CertificateSigningRequest, req: CertificateRequestInfo): boolean;
  /** The subresource of certificatesigningrequests the requester must be allowed to create. */
  subresource: string;
  successMessage: string;
}

function isNodeClientCert(csr: CertificateSigningRequest, req: CertificateRequestInfo): boolean {
  if (csr.spec.signerName !== KUBE_APISERVER_CLIENT_KUBELET_SIGNER) return false;
  return validateKubeletClientCSR(req, csr.spec.usages ?? []) === undefined;
}

/** Skiff's rule for remote simulated node pools (see the module comment). */
export function isSimulatedNodePoolClientCert(
  csr: CertificateSigningRequest,
  req: CertificateRequestInfo,
): boolean {
  if (csr.spec.signerName !== KUBE_APISERVER_CLIENT_SIGNER) return false;
  if (!req.commonName.startsWith(SIMULATED_NODE_POOL_CN_PREFIX)) return false;
  if (req.commonName.length === SIMULATED_NODE_POOL_CN_PREFIX.length) return false;
  if (req.organizations.length !== 1 || req.organizations[0] !== SIMULATED_NODE_POOLS_GROUP) {
    return false;
  }
  const sans =
    req.dnsNames.length + req.emailAddresses.length + req.ipAddresses.length + req.uris.length;
  if (sans > 0) return false;
  return validateAPIServerClientUsages(csr.spec.usages ?? []) === undefined;
}

/** The recognizers in upstream's order, then Skiff's. */
export const RECOGNIZERS: readonly CsrRecognizer[] = [
  {
    recognize: (csr, req) => csr.spec.username === req.commonName && isNodeClientCert(csr, req),
    subresource: 'selfnodeclient',
    successMessage: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  },
  {
    recognize: isNodeClientCert,
    subresource: 'nodeclient',
    successMessage: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  },
  {
    recognize: isSimulatedNodePoolClientCert,
    subresource: 'simulatednodepool',
    successMessage:
      'Auto approving simulated node pool client certificate after SubjectAccessReview.',
  },
];

/** The user prefix of a node's own identity. */
const NODE_USER_PREFIX = 'system:node:';
/** The message of an approved kubelet serving CSR. */
export const KUBELET_SERVING_APPROVED_MESSAGE =
  'Auto approving kubelet serving certificate after checking the Node addresses.';

/**
 * What Skiff's kubelet serving policy (see the module comment) says of a CSR: approve; `wait`
 * (the shape is right but the Node `<name>` is missing or does not report every SAN: decided
 * again when the Node changes); `manual` (not the node's own serving request: left for a
 * human). `reason` says why, for logs and tests.
 */
export type KubeletServingVerdict =
  { kind: 'approve' } | { kind: 'wait'; reason: string } | { kind: 'manual'; reason: string };

const SERVING_USAGES_ECDSA = ['digital signature', 'server auth'];
const SERVING_USAGES_RSA = ['digital signature', 'key encipherment', 'server auth'];

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === a.length && set.size === b.length && b.every((x) => set.has(x));
}

/** The canonical text of an IP address, or undefined when `text` is not one. */
function canonicalIp(text: string): string | undefined {
  const bytes = parseIp(text);
  return bytes === null ? undefined : formatIp(bytes);
}

/** The node a kubelet serving CSR's requester is (`system:node:<name>`), or undefined. */
export function requestingNodeName(csr: CertificateSigningRequest): string | undefined {
  const user = csr.spec.username ?? '';
  if (!user.startsWith(NODE_USER_PREFIX) || user.length === NODE_USER_PREFIX.length) {
    return undefined;
  }
  return user.slice(NODE_USER_PREFIX.length);
}

/**
 * Skiff's kubelet serving CSR policy (kubelet-csr-approver's checks), pure: `csr` with its
 * parsed request `req`, and `node` the Node the requester names (undefined when absent).
 * Throws nothing; a CSR for another signer is `manual`.
 */
export function kubeletServingVerdict(
  csr: CertificateSigningRequest,
  req: CertificateRequestInfo,
  node: Node | undefined,
): KubeletServingVerdict {
  if (csr.spec.signerName !== KUBELET_SERVING_SIGNER) {
    return { kind: 'manual', reason: 'not a kubelet serving CSR' };
  }
  const name = requestingNodeName(csr);
  if (name === undefined) {
    return { kind: 'manual', reason: 'the requester is not a node (system:node:<name>)' };
  }
  const groups = csr.spec.groups ?? [];
  if (!groups.includes('system:nodes') || !groups.includes('system:authenticated')) {
    return {
      kind: 'manual',
      reason: 'the requester is not in the groups system:nodes and system:authenticated',
    };
  }
  if (req.commonName !== csr.spec.username) {
    return { kind: 'manual', reason: 'the subject common name is not the requesting node' };
  }
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') {
    return { kind: 'manual', reason: 'the subject organization is not exactly system:nodes' };
  }
  const usages = csr.spec.usages ?? [];
  const allowed = req.publicKeyAlgorithm === 'rsa' ? SERVING_USAGES_RSA : SERVING_USAGES_ECDSA;
  if (!sameSet(usages, allowed)) {
    return { kind: 'manual', reason: `usages are not exactly [${allowed.join(', ')}]` };
  }
  if (req.emailAddresses.length > 0 || req.uris.length > 0) {
    return { kind: 'manual', reason: 'email and URI subjectAltNames are not allowed' };
  }
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) {
    return { kind: 'manual', reason: 'a DNS or IP subjectAltName is required' };
  }
  if (node === undefined) return { kind: 'wait', reason: `node ${name} does not exist (yet)` };
  const names = new Set<string>();
  const ips = new Set<string>();
  for (const a of node.status?.addresses ?? []) {
    if (a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS') {
      names.add(a.address.toLowerCase());
    } else if (a.type === 'InternalIP' || a.type === 'ExternalIP') {
      const ip = canonicalIp(a.address);
      if (ip !== undefined) ips.add(ip);
    }
  }
  for (const dns of req.dnsNames) {
    if (!names.has(dns.toLowerCase())) {
      return { kind: 'wait', reason: `DNS name ${dns} is not an address of node ${name}` };
    }
  }
  for (const ip of req.ipAddresses) {
    if (!ips.has(canonicalIp(ip) ?? ip)) {
      return { kind: 'wait', reason: `IP address ${ip} is not an address of node ${name}` };
    }
  }
  return { kind: 'approve' };
}

/** A recognized CSR whose requester may not have it approved (retried, logged quietly). */
export class NotApprovedError extends Error {
  override readonly name = 'NotApprovedError';
}

/** What the approving controller needs. */
export interface CSRApprovingControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  readonly recognizers?: readonly CsrRecognizer[];
  readonly queue?: RateLimitingQueue<string>;
  readonly logger?: ControllerLogger;
}

interface SubjectAccessReview extends KubeObject {
  spec: {
    user?: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
    resourceAttributes: { group: string; resource: string; verb: string; subresource: string };
  };
  status?: { allowed?: boolean };
}

/** The CSR approving controller; see the module comment. */
export class CSRApprovingController {
  readonly base: CertificateController;
  private readonly recognizers: readonly CsrRecognizer[];
  private readonly nodes: Lister<Node>;

  constructor(private readonly opts: CSRApprovingControllerOptions) {
    this.recognizers = opts.recognizers ?? RECOGNIZERS;
    const nodeInformer = opts.informers.informer<Node>(BUILTIN_RESOURCES.nodes);
    this.nodes = nodeInformer.lister;
    this.base = new CertificateController({
      name: 'csrapproving',
      informers: opts.informers,
      handle: (csr) => this.handle(csr),
      extraInformers: [nodeInformer],
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    });
    // A serving CSR waiting for its Node's addresses is decided again when the Node changes.
    nodeInformer.addEventHandler({
      onAdd: (node) => {
        this.enqueueServingRequestsOf(node);
      },
      onUpdate: (_old, node) => {
        this.enqueueServingRequestsOf(node);
      },
    });
  }

  private enqueueServingRequestsOf(node: Node): void {
    const user = `${NODE_USER_PREFIX}${node.metadata?.name ?? ''}`;
    for (const csr of this.base.lister.list()) {
      if (csr.spec.signerName !== KUBELET_SERVING_SIGNER || csr.spec.username !== user) continue;
      if ((csr.status?.certificate ?? '') !== '') continue;
      const { approved, denied } = certApprovalCondition(csr);
      if (!approved && !denied) this.base.controller.enqueue(csr);
    }
  }

  /** Waits for the cache, then approves with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.base.run(signal, workers);
  }

  /** Syncs the CSR named `key` (idempotent). */
  sync(key: string): Promise<void> {
    return this.base.sync(key);
  }

  /** upstream sarApprover.handle on a copy of the cached CSR. */
  async handle(csr: CertificateSigningRequest): Promise<void> {
    if ((csr.status?.certificate ?? '') !== '') return;
    const { approved, denied } = certApprovalCondition(csr);
    if (approved || denied) return;
    const name = csr.metadata?.name ?? '';
    let req: CertificateRequestInfo;
    try {
      req = parseCSR(csr);
    } catch (err) {
      throw new Error(`unable to parse csr "${name}": ${(err as Error).message}`, { cause: err });
    }
    if (csr.spec.signerName === KUBELET_SERVING_SIGNER) {
      const nodeName = requestingNodeName(csr);
      const node = nodeName === undefined ? undefined : this.nodes.get('', nodeName);
      const verdict = kubeletServingVerdict(csr, req, node);
      if (verdict.kind !== 'approve') {
        this.opts.logger?.info('kubelet serving csr not approved', {
          csr: name,
          decision: verdict.kind,
          reason: verdict.reason,
        });
        return;
      }
      await this.approve(csr, KUBELET_SERVING_APPROVED_MESSAGE);
      return;
    }
    const tried: string[] = [];
    for (const r of this.recognizers) {
      if (!r.recognize(csr, req)) continue;
      tried.push(r.subresource);
      if (!(await this.authorize(csr, r.subresource))) continue;
      await this.approve(csr, r.successMessage);
      return;
    }
    if (tried.length > 0) {
      throw new NotApprovedError(
        `recognized csr "${name}" as [${tried.join(' ')}] but subject access review was not approved`,
      );
    }
  }

  /** Adds the Approved condition (reason AutoApproved) through `/approval`. */
  private async approve(csr: CertificateSigningRequest, message: string): Promise<void> {
    const status = (csr.status ??= {});
    status.conditions = [
      ...(status.conditions ?? []),
      { type: 'Approved', status: 'True', reason: 'AutoApproved', message },
    ];
    await this.opts.clientset
      .resource<CertificateSigningRequest>(CSR_RESOURCE)
      .replaceSubresource('', csr.metadata?.name ?? '', 'approval', csr);
  }

  private async authorize(csr: CertificateSigningRequest, subresource: string): Promise<boolean> {
    const sar: SubjectAccessReview = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: {
        ...(csr.spec.username !== undefined ? { user: csr.spec.username } : {}),
        ...(csr.spec.uid !== undefined ? { uid: csr.spec.uid } : {}),
        ...(csr.spec.groups !== undefined ? { groups: [...csr.spec.groups] } : {}),
        ...(csr.spec.extra !== undefined ? { extra: structuredClone(csr.spec.extra) } : {}),
        resourceAttributes: {
          group: 'certificates.k8s.io',
          resource: 'certificatesigningrequests',
          verb: 'create',
          subresource,
        },
      },
    };
    const answer = await this.opts.clientset
      .resource<SubjectAccessReview>(SAR_RESOURCE)
      .create('', sar);
    return answer.status?.allowed === true;
  }
}

/** The CSR approving controller (`csrapproving`). */
export function newCSRApprovingController(
  opts: CSRApprovingControllerOptions,
): CSRApprovingController {
  return new CSRApprovingController(opts);
}

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
 * Approval is the `Approved` condition (reason AutoApproved) written through `/approval`. A
 * recognized CSR whose reviews all deny is retried with rate limiting, as upstream's
 * IgnorableError; unrecognized CSRs are left for a human (`kubectl certificate approve`).
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBE_APISERVER_CLIENT_SIGNER,
  certApprovalCondition,
  parseCSR,
  validateAPIServerClientUsages,
  validateKubeletClientCSR,
} from '../../api/index.ts';
import type { CertificateRequestInfo } from '../../api/index.ts';
import type {
  Clientset,
  InformerFactory,
  KubeObject,
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

  constructor(private readonly opts: CSRApprovingControllerOptions) {
    this.recognizers = opts.recognizers ?? RECOGNIZERS;
    this.base = new CertificateController({
      name: 'csrapproving',
      informers: opts.informers,
      handle: (csr) => this.handle(csr),
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    });
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
    const tried: string[] = [];
    for (const r of this.recognizers) {
      if (!r.recognize(csr, req)) continue;
      tried.push(r.subresource);
      if (!(await this.authorize(csr, r.subresource))) continue;
      const status = (csr.status ??= {});
      status.conditions = [
        ...(status.conditions ?? []),
        { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.successMessage },
      ];
      await this.opts.clientset
        .resource<CertificateSigningRequest>(CSR_RESOURCE)
        .replaceSubresource('', name, 'approval', csr);
      return;
    }
    if (tried.length > 0) {
      throw new NotApprovedError(
        `recognized csr "${name}" as [${tried.join(' ')}] but subject access review was not approved`,
      );
    }
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

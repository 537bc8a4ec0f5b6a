/**
 * The CSR signing controller (upstream pkg/controller/certificates/signer, `csrsigning`): signs
 * approved, not failed CSRs for the signers it serves with the cluster CA, after upstream's
 * per-signer checks:
 *
 * - `kubernetes.io/kube-apiserver-client`: usages only digital signature, key encipherment and
 *   client auth, client auth required;
 * - `kubernetes.io/kube-apiserver-client-kubelet`: O exactly [system:nodes], CN
 *   `system:node:*`, no SANs, usages {digital signature, client auth} (+ key encipherment);
 * - `kubernetes.io/kubelet-serving`: O exactly [system:nodes], CN `system:node:*`, a DNS or IP
 *   SAN, no email/URI SANs, usages {digital signature, server auth} (+ key encipherment).
 *
 * A CSR failing its signer's checks gets the `Failed` condition (reason
 * SignerValidationFailure); others get `status.certificate`, written through `/status`. The
 * certificate lasts min(spec.expirationSeconds, --cluster-signing-duration (default 1 year)),
 * at least 10 minutes, is backdated 5 minutes (not for lifetimes under 8 hours' end) and never
 * outlives the CA. The CA comes in as PEM options: controllers read no files.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  KUBELET_SERVING_SIGNER,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBE_APISERVER_CLIENT_SIGNER,
  hasTrueCondition,
  isCertificateRequestApproved,
  parseCSR,
  signCertificateRequest,
  validateAPIServerClientUsages,
  validateKubeletClientCSR,
  validateKubeletServingCSR,
} from '../../api/index.ts';
import type { CertificateAuthority, CertificateRequestInfo } from '../../api/index.ts';
import type { Clientset, InformerFactory, RateLimitingQueue } from '../../client/index.ts';
import { formatTime } from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';
import { CSR_RESOURCE, CertificateController } from './certificate-controller.ts';

/** kube-controller-manager's --cluster-signing-duration default: one year. */
export const DEFAULT_CLUSTER_SIGNING_DURATION_MS = 365 * 24 * 3600 * 1000;
const BACKDATE_MS = 5 * 60 * 1000;
const SHORT_MS = 8 * 3600 * 1000;
const MIN_DURATION_MS = 10 * 60 * 1000;

/** The signers this controller serves (upstream runs one controller per signer). */
export const SIGNED_SIGNERS: readonly string[] = [
  KUBE_APISERVER_CLIENT_SIGNER,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBELET_SERVING_SIGNER,
];

/**
 * upstream getCSRVerificationFuncForSignerName: the check of `signerName` for a request;
 * returns the failure message, undefined when it may be signed. Throws for a signer this
 * controller does not serve.
 */
export function checkRequestForSigner(
  signerName: string,
  req: CertificateRequestInfo,
  usages: readonly string[],
): string | undefined {
  switch (signerName) {
    case KUBELET_SERVING_SIGNER:
      return validateKubeletServingCSR(req, usages);
    case KUBE_APISERVER_CLIENT_KUBELET_SIGNER:
      return validateKubeletClientCSR(req, usages);
    case KUBE_APISERVER_CLIENT_SIGNER:
      return validateAPIServerClientUsages(usages);
    default:
      throw new Error(`unrecognized signerName: "${signerName}"`);
  }
}

/** upstream signer.duration: the requested lifetime bounded by the signing duration and 10 minutes. */
export function certificateDurationMs(
  expirationSeconds: number | undefined,
  certTTLMs: number,
): number {
  if (expirationSeconds === undefined) return certTTLMs;
  const requested = expirationSeconds * 1000;
  if (requested > certTTLMs) return certTTLMs;
  if (requested < MIN_DURATION_MS) return MIN_DURATION_MS;
  return requested;
}

/** What the signing controller needs. */
export interface CSRSigningControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** The cluster CA certificate and private key (PEM). */
  readonly ca: CertificateAuthority;
  /** --cluster-signing-duration in ms (default one year). */
  readonly certTTLMs?: number;
  /** The signers to serve (default: SIGNED_SIGNERS). */
  readonly signers?: readonly string[];
  /** Wall clock in ms (default Date.now). */
  readonly now?: () => number;
  readonly queue?: RateLimitingQueue<string>;
  readonly logger?: ControllerLogger;
}

/** The CSR signing controller; see the module comment. */
export class CSRSigningController {
  readonly base: CertificateController;
  private readonly now: () => number;
  private readonly signers: ReadonlySet<string>;

  constructor(private readonly opts: CSRSigningControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.signers = new Set(opts.signers ?? SIGNED_SIGNERS);
    this.base = new CertificateController({
      name: 'csrsigning',
      informers: opts.informers,
      handle: (csr) => this.handle(csr),
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    });
  }

  /** Waits for the cache, then signs with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.base.run(signal, workers);
  }

  /** Syncs the CSR named `key` (idempotent). */
  sync(key: string): Promise<void> {
    return this.base.sync(key);
  }

  /** upstream signer.handle on a copy of the cached CSR (no certificate yet). */
  async handle(csr: CertificateSigningRequest): Promise<void> {
    if (!isCertificateRequestApproved(csr) || hasTrueCondition(csr, 'Failed')) return;
    if (!this.signers.has(csr.spec.signerName)) return;
    const name = csr.metadata?.name ?? '';
    let req: CertificateRequestInfo;
    try {
      req = parseCSR(csr);
    } catch (err) {
      throw new Error(`unable to parse csr "${name}": ${(err as Error).message}`, { cause: err });
    }
    const usages = csr.spec.usages ?? [];
    const failure = checkRequestForSigner(csr.spec.signerName, req, usages);
    const client = this.opts.clientset.resource<CertificateSigningRequest>(CSR_RESOURCE);
    if (failure !== undefined) {
      const status = (csr.status ??= {});
      status.conditions = [
        ...(status.conditions ?? []),
        {
          type: 'Failed',
          status: 'True',
          reason: 'SignerValidationFailure',
          message: failure,
          lastUpdateTime: formatTime(this.now()),
        },
      ];
      await client.updateStatus('', csr);
      return;
    }
    let certPem: string;
    try {
      certPem = signCertificateRequest(this.opts.ca, req, {
        usages,
        ttlMs: certificateDurationMs(
          csr.spec.expirationSeconds,
          this.opts.certTTLMs ?? DEFAULT_CLUSTER_SIGNING_DURATION_MS,
        ),
        backdateMs: BACKDATE_MS,
        shortMs: SHORT_MS,
        now: new Date(this.now()),
      });
    } catch (err) {
      throw new Error(`error auto signing csr: ${(err as Error).message}`, { cause: err });
    }
    (csr.status ??= {}).certificate = Buffer.from(certPem).toString('base64');
    await client.updateStatus('', csr);
  }
}

/** The CSR signing controller (`csrsigning`). */
export function newCSRSigningController(opts: CSRSigningControllerOptions): CSRSigningController {
  return new CSRSigningController(opts);
}

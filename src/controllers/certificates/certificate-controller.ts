/**
 * The shared shape of the certificate controllers (upstream pkg/controller/certificates
 * certificate_controller.go): every CSR add/update/delete enqueues its name; `sync(name)` reads
 * the CSR from the informer's cache, skips it once a certificate is issued, and hands a copy to
 * the controller's handler. A failing handler is retried with rate limiting.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type {
  GroupVersionResource,
  InformerFactory,
  Lister,
  RateLimitingQueue,
} from '../../client/index.ts';
import { Controller, NOOP_LOGGER } from '../shared/index.ts';
import type { CacheSource, ControllerLogger } from '../shared/index.ts';

/** certificates.k8s.io/v1 certificatesigningrequests. */
export const CSR_RESOURCE: GroupVersionResource = {
  group: 'certificates.k8s.io',
  version: 'v1',
  resource: 'certificatesigningrequests',
};

/** authorization.k8s.io/v1 subjectaccessreviews. */
export const SAR_RESOURCE: GroupVersionResource = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'subjectaccessreviews',
};

/** The CSR informer, lister and queue scaffold a certificate controller is built on. */
export class CertificateController {
  readonly controller: Controller;
  readonly lister: Lister<CertificateSigningRequest>;
  private readonly handle: (csr: CertificateSigningRequest) => Promise<void>;

  constructor(opts: {
    name: string;
    informers: InformerFactory;
    handle: (csr: CertificateSigningRequest) => Promise<void>;
    queue?: RateLimitingQueue<string>;
    logger?: ControllerLogger;
    /** Other informers the handler reads (their caches are synced before the first sync). */
    extraInformers?: readonly CacheSource[];
  }) {
    const informer = opts.informers.informer<CertificateSigningRequest>(CSR_RESOURCE);
    this.lister = informer.lister;
    this.controller = new Controller({
      name: opts.name,
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      informers: [informer, ...(opts.extraInformers ?? [])],
      logger: opts.logger ?? NOOP_LOGGER,
      sync: (key) => this.sync(key),
    });
    this.handle = opts.handle;
    informer.addEventHandler({
      onAdd: (csr) => {
        this.controller.enqueue(csr);
      },
      onUpdate: (_old, csr) => {
        this.controller.enqueue(csr);
      },
      onDelete: (csr) => {
        this.controller.enqueue(csr);
      },
    });
  }

  /**
   * Syncs the CSR named `key` (upstream syncFunc): nothing once it has a certificate, else the
   * handler gets a copy of the cached object. Idempotent.
   */
  async sync(key: string): Promise<void> {
    const csr = this.lister.get('', key);
    if (csr === undefined || (csr.status?.certificate ?? '') !== '') return;
    await this.handle(structuredClone(csr));
  }

  /** Waits for the cache, then runs `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.controller.run(signal, workers);
  }
}

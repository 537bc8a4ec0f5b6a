/**
 * The CSR cleaner (upstream pkg/controller/certificates/cleaner, `csrcleaner`): every hour it
 * deletes CSRs that are done with: issued (Approved with a certificate) or Denied or Failed for
 * more than an hour (by the condition's lastUpdateTime), Pending (no conditions) for more than
 * 24 hours, and issued ones whose certificate has expired.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { isNotFound, readCertificate } from '../../api/index.ts';
import type { Clientset, Clock, InformerFactory, Lister } from '../../client/index.ts';
import { realClock } from '../../client/index.ts';
import { NOOP_LOGGER, errorMessage, parseTime } from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';
import { CSR_RESOURCE } from './certificate-controller.ts';

/** upstream pollingInterval. */
export const CSR_CLEANER_POLLING_INTERVAL_MS = 3600_000;
const APPROVED_EXPIRATION_MS = 3600_000;
const DENIED_EXPIRATION_MS = 3600_000;
const PENDING_EXPIRATION_MS = 24 * 3600_000;

/** What the cleaner needs. */
export interface CSRCleanerControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Wall clock in ms (default clock.now). */
  readonly now?: () => number;
  /** Timers for the hourly pass (default: real clock). */
  readonly clock?: Clock;
  readonly logger?: ControllerLogger;
}

function olderThan(t: string | undefined, ms: number, now: number): boolean {
  const at = parseTime(t);
  return at !== undefined && now - at > ms;
}

/** True when upstream's cleaner would delete `csr` at `now` (ms). Pure. */
export function shouldCleanCSR(csr: CertificateSigningRequest, now: number): boolean {
  const conds = csr.status?.conditions ?? [];
  const cert = csr.status?.certificate ?? '';
  for (const c of conds) {
    if (
      c.type === 'Approved' &&
      cert !== '' &&
      olderThan(c.lastUpdateTime, APPROVED_EXPIRATION_MS, now)
    ) {
      return true;
    }
    if (
      (c.type === 'Denied' || c.type === 'Failed') &&
      olderThan(c.lastUpdateTime, DENIED_EXPIRATION_MS, now)
    ) {
      return true;
    }
  }
  if (
    conds.length === 0 &&
    olderThan(csr.metadata?.creationTimestamp, PENDING_EXPIRATION_MS, now)
  ) {
    return true;
  }
  if (cert !== '' && conds.some((c) => c.type === 'Approved')) {
    try {
      const info = readCertificate(Buffer.from(cert, 'base64').toString());
      if (info.notAfter.getTime() < now) return true;
    } catch {
      // Not a certificate we can read: leave it to the deadlines above.
    }
  }
  return false;
}

/** The CSR cleaner; see the module comment. */
export class CSRCleanerController {
  private readonly lister: Lister<CertificateSigningRequest>;
  private readonly informer: { hasSynced(): boolean };
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;

  constructor(private readonly opts: CSRCleanerControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.now = opts.now ?? (() => this.clock.now());
    this.logger = opts.logger ?? NOOP_LOGGER;
    const informer = opts.informers.informer<CertificateSigningRequest>(CSR_RESOURCE);
    this.lister = informer.lister;
    this.informer = informer;
  }

  /** Deletes every CSR shouldCleanCSR selects; failures are logged, the rest go on. */
  async cleanOnce(): Promise<void> {
    const now = this.now();
    const client = this.opts.clientset.resource<CertificateSigningRequest>(CSR_RESOURCE);
    for (const csr of this.lister.list()) {
      if (!shouldCleanCSR(csr, now)) continue;
      const name = csr.metadata?.name ?? '';
      try {
        await client.delete('', name);
      } catch (err) {
        if (!isNotFound(err))
          this.logger.error('unable to delete CSR', { csr: name, err: errorMessage(err) });
      }
    }
  }

  /** Waits for the cache, then cleans every hour until `signal` aborts. */
  async run(signal: AbortSignal, _workers = 1): Promise<void> {
    while (!signal.aborted && !this.informer.hasSynced()) await this.sleep(100, signal);
    while (!signal.aborted) {
      await this.cleanOnce();
      await this.sleep(CSR_CLEANER_POLLING_INTERVAL_MS, signal);
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        cancel();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const cancel = this.clock.setTimer(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The CSR cleaner (`csrcleaner`). */
export function newCSRCleanerController(opts: CSRCleanerControllerOptions): CSRCleanerController {
  return new CSRCleanerController(opts);
}

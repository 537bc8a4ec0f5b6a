/**
 * The resource metrics scraper inside the API server (what metrics-server does in its own
 * process): every 15 s, each node's kubelet `/metrics/resource` is fetched through the
 * API server's kubelet client, decoded, and the whole round stored in a MetricsStore.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeletClient } from '../kubelet/index.ts';
import { decodeResourceMetrics, type MetricsStore, type NodeScrape } from './store.ts';
import { parsePrometheusText } from './prometheus.ts';

/** metrics-server's default --metric-resolution. */
export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;

/** A kubelet's answer larger than this is refused (a node with thousands of containers fits). */
const MAX_BODY_BYTES = 16 << 20;

/** What the scraper needs. */
export interface MetricsScraperOptions {
  client: KubeletClient;
  store: MetricsStore;
  /** Every node (from the API server's own storage). */
  listNodes(): Promise<Node[]>;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Between rounds (default 15 s). */
  intervalMs?: number;
  /** Per node (default 10 s: the round must end before the next starts). */
  timeoutMs?: number;
  /** At most this many kubelets at once (default 16). */
  concurrency?: number;
  /** Told about each node that could not be scraped (the round goes on without it). */
  onError?: (node: string, err: unknown) => void;
}

/** Scrapes every node's kubelet, one round at a time. */
export class MetricsScraper {
  constructor(private readonly opts: MetricsScraperOptions) {}

  /** One node's resource metrics; throws when the kubelet cannot be reached or answers non-200. */
  async scrapeNode(node: Node): Promise<NodeScrape> {
    const now = this.opts.now ?? Date.now;
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 10_000);
    const endpoint = this.opts.client.endpointOf(node);
    const res = await this.opts.client.request(
      endpoint,
      { path: '/metrics/resource', query: '' },
      { signal, headers: { accept: 'text/plain' } },
    );
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy();
        throw new Error(
          `resource metrics of node ${node.metadata?.name ?? ''} exceed ${String(MAX_BODY_BYTES)} bytes`,
        );
      }
      chunks.push(b);
    }
    if (res.statusCode !== 200) {
      throw new Error(
        `request failed, status: ${JSON.stringify(`${String(res.statusCode)} ${res.statusMessage ?? ''}`)}`,
      );
    }
    return decodeResourceMetrics(
      parsePrometheusText(Buffer.concat(chunks).toString('utf8')),
      now(),
    );
  }

  /** Scrapes every node once and stores the round (failed nodes are left out of it). */
  async scrapeOnce(): Promise<void> {
    const nodes = await this.opts.listNodes();
    const round = new Map<string, NodeScrape>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < nodes.length) {
        const node = nodes[next++];
        if (node === undefined) break;
        const name = node.metadata?.name ?? '';
        try {
          round.set(name, await this.scrapeNode(node));
        } catch (err) {
          this.opts.onError?.(name, err);
        }
      }
    };
    const workers = Math.max(1, Math.min(this.opts.concurrency ?? 16, nodes.length));
    await Promise.all(Array.from({ length: workers }, worker));
    this.opts.store.store(round);
  }

  /**
   * Scrapes a round now and then every interval until `signal` aborts; resolves after the
   * round in progress ends. A failed round (nodes not listable) is skipped, not fatal.
   */
  async run(signal: AbortSignal): Promise<void> {
    const interval = this.opts.intervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
    while (!signal.aborted) {
      try {
        await this.scrapeOnce();
      } catch (err) {
        this.opts.onError?.('', err);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, interval);
        timer.unref();
        function done(): void {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}

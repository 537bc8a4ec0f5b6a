/**
 * API server workloads over HTTP/2: creates (paced or as fast as possible) while watchers watch
 * the same namespace, filling a namespace with pods, and timing full lists.
 */
import type http2 from 'node:http2';
import { Worker } from 'node:worker_threads';
import { closeAll, connect, request, type Credentials } from './client.ts';
import type { WatcherConfig, WatcherResult } from './watchers.ts';
import { nowMs, summarize, type LatencySummary } from '../storage/stats.ts';

/** Opens `n` sessions (one per simulated client), a few at a time. */
export async function openClients(
  creds: Credentials,
  n: number,
): Promise<http2.ClientHttp2Session[]> {
  const out: http2.ClientHttp2Session[] = [];
  while (out.length < n) {
    const batch = Math.min(10, n - out.length);
    out.push(...(await Promise.all(Array.from({ length: batch }, () => connect(creds)))));
  }
  return out;
}

/** Creates a namespace (409 is fine: it exists). */
export async function ensureNamespace(
  session: http2.ClientHttp2Session,
  ns: string,
): Promise<void> {
  const r = await request(
    session,
    'POST',
    '/api/v1/namespaces',
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
  );
  if (r.status !== 201 && r.status !== 409) {
    throw new Error(`create namespace ${ns}: HTTP ${String(r.status)} ${r.body.toString()}`);
  }
}

/** A ConfigMap of about 256 bytes carrying its sequence number and issue time (see watchers.ts). */
export function configMap(i: number, t: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${String(i)}` },
    // Keys in alphabetical order, so the watchers' pattern matches whether or not the server
    // sorts map keys.
    data: { i: String(i), t: String(t), z: 'x'.repeat(150) },
  });
}

/** A small pod, as a Deployment's template would give: one container, labels. */
export function pod(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${String(i)}`, labels: { app: 'bench', shard: String(i % 10) } },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
  });
}

/** Outcome of a batch of creates. */
export interface CreateResult {
  clients: number;
  /** Target rate (paced) or undefined (as fast as possible). */
  targetPerSec: number | undefined;
  created: number;
  failed: number;
  failures: Record<string, number>;
  seconds: number;
  createsPerSec: number;
  /** Intended send time → response (includes waiting for a free client when paced). */
  latency: LatencySummary;
  /** Actual send → response. */
  service: LatencySummary;
}

interface Sample {
  intended: number;
  issued: number;
  done: number;
  status: number;
}

function createResult(
  samples: Sample[],
  clients: number,
  targetPerSec: number | undefined,
  seconds: number,
): CreateResult {
  const ok = samples.filter((s) => s.status === 201);
  const failures: Record<string, number> = {};
  for (const s of samples) {
    if (s.status !== 201) failures[String(s.status)] = (failures[String(s.status)] ?? 0) + 1;
  }
  return {
    clients,
    targetPerSec,
    created: ok.length,
    failed: samples.length - ok.length,
    failures,
    seconds,
    createsPerSec: ok.length / seconds,
    latency: summarize(ok.map((s) => s.done - s.intended)),
    service: summarize(ok.map((s) => s.done - s.issued)),
  };
}

/**
 * Creates objects from `body(i, issuedAt)` at POST `path`: `total` of them (or for `seconds`),
 * with at most one request in flight per client. With `perSec`, arrivals are open-loop at that
 * rate (an arrival that finds every client busy waits, and its latency counts the wait); without,
 * each client sends its next create as soon as the previous one is answered.
 */
export async function creates(
  sessions: http2.ClientHttp2Session[],
  path: string,
  body: (i: number, issuedAt: number) => string,
  opts: { perSec?: number; seconds?: number; total?: number; onCreated?: (i: number) => void },
): Promise<CreateResult> {
  const samples: Sample[] = [];
  const t0 = nowMs();
  const one = async (s: http2.ClientHttp2Session, i: number, intended: number): Promise<void> => {
    const issued = nowMs();
    let status: number;
    try {
      status = (await request(s, 'POST', path, body(i, issued))).status;
    } catch {
      status = -1;
    }
    samples.push({ intended, issued, done: nowMs(), status });
    if (status === 201) opts.onCreated?.(i);
  };
  const perSec = opts.perSec;
  if (perSec === undefined) {
    const deadline = opts.seconds === undefined ? Infinity : t0 + opts.seconds * 1000;
    const total = opts.total ?? Infinity;
    let next = 0;
    await Promise.all(
      sessions.map(async (s) => {
        while (next < total && nowMs() < deadline) {
          const i = next++;
          await one(s, i, nowMs());
        }
      }),
    );
    return createResult(samples, sessions.length, undefined, (nowMs() - t0) / 1000);
  }
  const total = opts.total ?? Math.round(perSec * (opts.seconds ?? 10));
  const interval = 1000 / perSec;
  const idle = [...sessions];
  const queue: number[] = [];
  let next = 0;
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const now = nowMs();
      while (next < total && t0 + next * interval <= now) queue.push(next++);
      while (queue.length > 0 && idle.length > 0) {
        const i = queue.shift() ?? 0;
        const s = idle.pop();
        if (s === undefined) break;
        inFlight++;
        void one(s, i, t0 + i * interval).then(() => {
          inFlight--;
          idle.push(s);
          pump();
        });
      }
      if (next >= total && queue.length === 0 && inFlight === 0) resolve();
    };
    const tick = (): void => {
      pump();
      if (next < total) setTimeout(tick, 1);
    };
    tick();
  });
  return createResult(samples, sessions.length, perSec, (nowMs() - t0) / 1000);
}

/** Watch delivery figures of one phase. */
export interface DeliveryResult {
  watchers: number;
  events: number;
  /** Per (watcher, event): create issued → watcher received. */
  delivery: LatencySummary;
  /** Per event: create issued → the last of the watchers received it. */
  lastWatcher: LatencySummary;
  /** (watcher, event) pairs never delivered before the benchmark stopped waiting. */
  missing: number;
  ended: number;
  errors: string[];
}

/** Watchers running in a worker thread (see watchers.ts). */
export class WatcherPool {
  private readonly worker: Worker;
  private constructor(worker: Worker) {
    this.worker = worker;
  }

  /** Starts `cfg.watchers` watches and resolves once all have their response headers. */
  static async start(cfg: WatcherConfig): Promise<WatcherPool> {
    // Node 20 does not carry `--import tsx` loader hooks into workers: register tsx inside.
    const url = new URL('./watchers.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: cfg });
    await new Promise<void>((resolve, reject) => {
      const onMsg = (m: { type: string }): void => {
        if (m.type === 'ready') {
          worker.off('error', reject);
          worker.off('message', onMsg);
          resolve();
        }
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
    });
    return new WatcherPool(worker);
  }

  /** The fewest events any watcher has received so far. */
  minReceived(): Promise<number> {
    return new Promise((resolve) => {
      const onMsg = (m: { type: string; min?: number }): void => {
        if (m.type === 'count') {
          this.worker.off('message', onMsg);
          resolve(m.min ?? 0);
        }
      };
      this.worker.on('message', onMsg);
      this.worker.postMessage({ type: 'count' });
    });
  }

  /**
   * Waits (up to `timeoutMs`) until every watcher has `expected` events, then stops the watches
   * and summarises delivery of the events whose sequence numbers are in `indices`.
   */
  async finish(indices: number[], timeoutMs: number): Promise<DeliveryResult> {
    const deadline = nowMs() + timeoutMs;
    while (nowMs() < deadline && (await this.minReceived()) < indices.length) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const result = await new Promise<WatcherResult>((resolve) => {
      const onMsg = (m: { type: string; result?: WatcherResult }): void => {
        if (m.type === 'done' && m.result !== undefined) {
          this.worker.off('message', onMsg);
          resolve(m.result);
        }
      };
      this.worker.on('message', onMsg);
      this.worker.postMessage({ type: 'stop' });
    });
    await this.worker.terminate();
    const all: number[] = [];
    const last: number[] = [];
    let missing = 0;
    for (const i of indices) {
      let worst = 0;
      for (const w of result.latencies) {
        const v = w[i];
        if (v === undefined || Number.isNaN(v)) {
          missing++;
          continue;
        }
        all.push(v);
        worst = Math.max(worst, v);
      }
      last.push(worst);
    }
    return {
      watchers: result.latencies.length,
      events: indices.length,
      delivery: summarize(all),
      lastWatcher: summarize(last),
      missing,
      ended: result.ended,
      errors: result.errors.slice(0, 5),
    };
  }
}

/** A create phase with watchers on the same namespace. */
export interface WritePhaseResult {
  creates: CreateResult;
  watch: DeliveryResult;
}

/**
 * In a fresh namespace `ns`: starts `watchers` watches of its ConfigMaps from the current
 * resourceVersion, then creates ConfigMaps with `clients` clients (paced at `perSec`, or as fast
 * as possible) for `seconds`, and waits for the watchers to receive every created object.
 */
export async function writePhase(
  creds: Credentials,
  admin: http2.ClientHttp2Session,
  ns: string,
  opts: { clients: number; watchers: number; seconds: number; perSec?: number },
): Promise<WritePhaseResult> {
  await ensureNamespace(admin, ns);
  const base = `/api/v1/namespaces/${ns}/configmaps`;
  const list = await request(admin, 'GET', `${base}?limit=1`);
  const rv = (JSON.parse(list.body.toString()) as { metadata?: { resourceVersion?: string } })
    .metadata?.resourceVersion;
  if (rv === undefined) throw new Error(`list ${base}: no resourceVersion`);
  const pool = await WatcherPool.start({
    creds,
    path: `${base}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3600`,
    watchers: opts.watchers,
  });
  const sessions = await openClients(creds, opts.clients);
  // Only successful creates produce events.
  const created: number[] = [];
  const onCreated = (i: number): void => {
    created.push(i);
  };
  let result: CreateResult;
  try {
    result = await creates(
      sessions,
      base,
      configMap,
      opts.perSec === undefined
        ? { seconds: opts.seconds, onCreated }
        : { perSec: opts.perSec, seconds: opts.seconds, onCreated },
    );
  } finally {
    closeAll(sessions);
  }
  const watch = await pool.finish(created, 15_000);
  return { creates: result, watch };
}

/** Timing of repeated GETs of one list. */
export interface ListResult extends LatencySummary {
  items: number;
  bytes: number;
  kind: string;
}

/**
 * GETs `path` `times` times one after another on one session (time to the last byte), checking
 * the first answer's kind and item (or row) count.
 */
export async function listLatency(
  session: http2.ClientHttp2Session,
  path: string,
  times: number,
  headers: Record<string, string> = {},
): Promise<ListResult> {
  const samples: number[] = [];
  let items = 0;
  let bytes = 0;
  let kind = '';
  for (let n = 0; n < times; n++) {
    const t = nowMs();
    const r = await request(session, 'GET', path, undefined, headers);
    samples.push(nowMs() - t);
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${String(r.status)}`);
    if (n === 0) {
      const doc = JSON.parse(r.body.toString()) as {
        kind?: string;
        items?: unknown[];
        rows?: unknown[];
      };
      kind = doc.kind ?? '';
      items = (doc.items ?? doc.rows ?? []).length;
      bytes = r.body.length;
    }
  }
  return { ...summarize(samples), items, bytes, kind };
}

/**
 * Lists `path` the way `kubectl get` does (pages of `limit` following `continue`), `times` times;
 * each sample is the time for all pages.
 */
export async function pagedListLatency(
  session: http2.ClientHttp2Session,
  path: string,
  limit: number,
  times: number,
  headers: Record<string, string> = {},
): Promise<ListResult & { pages: number }> {
  const samples: number[] = [];
  let items = 0;
  let pages = 0;
  let kind = '';
  for (let n = 0; n < times; n++) {
    const t = nowMs();
    let cont = '';
    items = 0;
    pages = 0;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const q = `${sep}limit=${String(limit)}${cont === '' ? '' : `&continue=${encodeURIComponent(cont)}`}`;
      const r = await request(session, 'GET', `${path}${q}`, undefined, headers);
      if (r.status !== 200) throw new Error(`GET ${path}${q}: HTTP ${String(r.status)}`);
      const doc = JSON.parse(r.body.toString()) as {
        kind?: string;
        items?: unknown[];
        rows?: unknown[];
        metadata?: { continue?: string };
      };
      kind = doc.kind ?? '';
      items += (doc.items ?? doc.rows ?? []).length;
      pages++;
      cont = doc.metadata?.continue ?? '';
    } while (cont !== '');
    samples.push(nowMs() - t);
  }
  return { ...summarize(samples), items, bytes: 0, kind, pages };
}

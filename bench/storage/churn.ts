/**
 * Endless-churn workload: `updates` durable updates spread over `keys` keys by 100 concurrent
 * clients, with compaction every `compactEveryMs` to (current revision - keepRevisions), the way
 * the API server's compactor drives it. Reports file sizes and compaction batch times.
 */
import type { Backend } from '../../src/storage/index.ts';
import { nowMs, summarize, type LatencySummary } from './stats.ts';

export interface ChurnResult {
  keys: number;
  updates: number;
  seconds: number;
  updatesPerSec: number;
  liveBytes: number;
  compactions: number;
  compactMs: LatencySummary;
  /** Largest single compaction batch reported by the driver (ms), when it reports batches. */
  maxBatchMs: number | undefined;
  batches: number | undefined;
}

export async function churn(
  backend: Backend,
  opts: {
    keys: number;
    updates: number;
    clients: number;
    valueBytes: number;
    keepRevisions: number;
    compactEveryMs: number;
    onProgress?: (done: number) => void;
  },
): Promise<ChurnResult> {
  const prefix = '/registry/churn/';
  const value = (i: number): Uint8Array => {
    const s = `{"v":${i},"pad":"`.padEnd(opts.valueBytes - 2, 'x') + '"}';
    return new TextEncoder().encode(s);
  };
  const modRev = new Map<string, number>();
  const keyOf = (i: number): string => `${prefix}key-${String(i).padStart(6, '0')}`;
  let next = 0;
  const fillWorker = async (): Promise<void> => {
    while (next < opts.keys) {
      const k = keyOf(next++);
      const r = await backend.create(k, value(0));
      if (!r.succeeded) throw new Error(`churn fill: create failed for ${k}`);
      modRev.set(k, r.revision);
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, fillWorker));

  let done = 0;
  let claimed = 0;
  let compactions = 0;
  let maxBatchMs: number | undefined;
  let batches: number | undefined;
  const compactSamples: number[] = [];
  let compacting: Promise<void> | undefined;
  const compactNow = async (): Promise<void> => {
    const rev = (await backend.currentRevision()) - opts.keepRevisions;
    if (rev <= 1) return;
    const s = nowMs();
    const res = await backend.compact(rev);
    compactSamples.push(nowMs() - s);
    compactions++;
    const mb = res.details?.['maxBatchMs'];
    if (mb !== undefined) maxBatchMs = Math.max(maxBatchMs ?? 0, mb);
    const b = res.details?.['batches'];
    if (b !== undefined) batches = (batches ?? 0) + b;
  };
  const timer = setInterval(() => {
    compacting ??= compactNow().finally(() => {
      compacting = undefined;
    });
  }, opts.compactEveryMs);

  const t0 = nowMs();
  let lastReport = t0;
  const worker = async (w: number): Promise<void> => {
    // Each client owns a disjoint slice of keys, so updates never conflict.
    const per = Math.ceil(opts.keys / opts.clients);
    if (w * per >= opts.keys) return; // no keys left for this client
    let j = 0;
    while (claimed < opts.updates) {
      const i = w * per + (j++ % per);
      if (i >= opts.keys) continue;
      claimed++;
      const k = keyOf(i);
      const r = await backend.update(k, value(done), modRev.get(k) ?? 0);
      if (!r.succeeded) throw new Error(`churn: unexpected conflict on ${k}`);
      modRev.set(k, r.revision);
      done++;
      if (opts.onProgress && nowMs() - lastReport > 10_000) {
        lastReport = nowMs();
        opts.onProgress(done);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.clients }, (_, w) => worker(w)));
  } finally {
    clearInterval(timer);
  }
  const seconds = (nowMs() - t0) / 1000;
  if (compacting) await compacting;
  await compactNow();
  let liveBytes = 0;
  for (const k of modRev.keys()) liveBytes += k.length + opts.valueBytes;
  return {
    keys: opts.keys,
    updates: done,
    seconds,
    updatesPerSec: done / seconds,
    liveBytes,
    compactions,
    compactMs: summarize(compactSamples),
    maxBatchMs,
    batches,
  };
}

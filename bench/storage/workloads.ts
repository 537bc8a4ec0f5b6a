/** Storage workloads, run through the object-level Storage interface the API server uses. */
import { setMaxListeners } from 'node:events';
import type { Storage, StoredObject } from '../../src/storage/index.ts';
import { nowMs, summarize, type LatencySummary } from './stats.ts';

/** A ConfigMap whose stored JSON is about `bytes` long (256 by default, as the issue asks). */
export function makeObject(name: string, bytes = 256): StoredObject {
  const base: StoredObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'bench' },
    data: { v: '' },
  };
  const pad = Math.max(0, bytes - JSON.stringify(base).length);
  return { ...base, data: { v: 'x'.repeat(pad) } };
}

export interface WriteResult extends LatencySummary {
  clients: number;
  writes: number;
  writesPerSec: number;
}

/**
 * `clients` concurrent loops, each creating keys one after another until `total` writes are
 * done or `maxMs` elapsed. Every write is acknowledged (durable, for durable drivers).
 */
export async function writes(
  storage: Storage,
  prefix: string,
  clients: number,
  total: number,
  maxMs: number,
): Promise<WriteResult> {
  const samples: number[] = [];
  let next = 0;
  const t0 = nowMs();
  const deadline = t0 + maxMs;
  const worker = async (): Promise<void> => {
    while (next < total && nowMs() < deadline) {
      const i = next++;
      const key = `${prefix}k${String(i).padStart(7, '0')}`;
      const s = nowMs();
      await storage.create(key, makeObject(`k${i}`));
      samples.push(nowMs() - s);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const elapsed = nowMs() - t0;
  return {
    ...summarize(samples),
    clients,
    writes: samples.length,
    writesPerSec: (samples.length / elapsed) * 1000,
  };
}

/** Fills `prefix` with `n` objects using `clients` concurrent writers. */
export async function fill(
  storage: Storage,
  prefix: string,
  n: number,
  clients = 50,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await storage.create(`${prefix}o${String(i).padStart(6, '0')}`, makeObject(`o${i}`));
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
}

export interface ListResultSummary extends LatencySummary {
  items: number;
}

/** Lists `prefix` `runs` times (after one warm-up) and reports the latency of a full list. */
export async function listLatency(
  storage: Storage,
  prefix: string,
  runs: number,
  opts: { resourceVersion?: number } = {},
): Promise<ListResultSummary> {
  let items = (await storage.list(prefix, opts)).items.length;
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const s = nowMs();
    items = (await storage.list(prefix, opts)).items.length;
    samples.push(nowMs() - s);
  }
  return { ...summarize(samples), items };
}

export interface FanoutResult {
  watchers: number;
  events: number;
  /** Write issued → event received, over every (watcher, event) pair. */
  delivery: LatencySummary;
  /** Write issued → the last of the watchers received it. */
  lastWatcher: LatencySummary;
  write: LatencySummary;
}

/**
 * `watchers` recursive watches on `prefix`; a single writer creates `events` objects one after
 * another (waiting for each acknowledgement). Latency is measured from the moment the write
 * was issued to the moment each watcher's iterator yields the event.
 */
export async function watchFanout(
  storage: Storage,
  prefix: string,
  watchers: number,
  events: number,
): Promise<FanoutResult> {
  const ac = new AbortController();
  // Every watcher listens on this one signal.
  setMaxListeners(watchers + 10, ac.signal);
  const startRv = await storage.currentResourceVersion();
  const issued = new Map<string, number>();
  const received: number[][] = Array.from({ length: events }, () => []);
  const indexOf = (name: string | undefined): number => Number((name ?? '').slice(1));
  let readyCount = 0;
  const done: Promise<void>[] = [];
  for (let w = 0; w < watchers; w++) {
    done.push(
      (async () => {
        let seen = 0;
        readyCount++;
        for await (const ev of storage.watch(prefix, {
          recursive: true,
          resourceVersion: startRv,
          signal: ac.signal,
        })) {
          if (ev.type !== 'ADDED') continue;
          const t = nowMs();
          received[indexOf(ev.object.metadata?.name)]?.push(t);
          if (++seen === events) return;
        }
      })(),
    );
  }
  while (readyCount < watchers) await new Promise((r) => setImmediate(r));
  const writeSamples: number[] = [];
  for (let i = 0; i < events; i++) {
    const name = `e${i}`;
    const s = nowMs();
    issued.set(name, s);
    await storage.create(`${prefix}${name}`, makeObject(name));
    writeSamples.push(nowMs() - s);
  }
  const timeout = setTimeout(() => {
    ac.abort();
  }, 30_000);
  await Promise.all(done);
  clearTimeout(timeout);
  ac.abort();
  const delivery: number[] = [];
  const last: number[] = [];
  received.forEach((times, i) => {
    const s = issued.get(`e${i}`) ?? 0;
    for (const t of times) delivery.push(t - s);
    if (times.length > 0) last.push(Math.max(...times) - s);
  });
  return {
    watchers,
    events,
    delivery: summarize(delivery),
    lastWatcher: summarize(last),
    write: summarize(writeSamples),
  };
}

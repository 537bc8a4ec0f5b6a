/**
 * Event-loop stalls of the SQLite store under a sustained write load, with WAL checkpoints on the
 * worker thread (default) or on the writer's connection (`--checkpoints inline`, SQLite's
 * automatic checkpoints: the behaviour before issue 3's fix). Usage:
 *
 *   node --import tsx bench/storage/checkpoint-stall.ts [--checkpoints worker|inline]
 *        [--writes 20000] [--clients 100] [--rate 0] [--value-bytes 1024] [--runs 1] [--dir DIR]
 *
 * `--rate N` paces the callers to N writes/s in total (0: as fast as they go). `--runs N` runs
 * N times, alternating worker and inline (starting with `--checkpoints`), so a shared machine's
 * load hits both alike. Each write is a single-object create through the backend's API, durable
 * when its promise resolves. Prints one line of JSON per run: writes/s, write latency
 * p50/p99/max, the event loop's delay p99/p99.9/max (`perf_hooks.monitorEventLoopDelay`, 1 ms
 * resolution) and its number of stalls over 25 ms, the WAL file's size at the end, the
 * checkpoint counters, and the load average at the start.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openSqliteBackend } from '../../src/storage/sqlite/index.ts';
import { fmt, nowMs, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    checkpoints: { type: 'string', default: 'worker' },
    writes: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '100' },
    rate: { type: 'string', default: '0' },
    'value-bytes': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '1' },
    dir: { type: 'string' },
  },
});

type Mode = 'worker' | 'inline';

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function run(mode: Mode, root: string, index: number): Promise<void> {
  const total = Number(args.writes);
  const clients = Number(args.clients);
  const rate = Number(args.rate);
  const dir = join(root, `run-${String(index)}-${mode}`);
  const path = join(dir, 'state.db');
  const b = await openSqliteBackend({ path, autoCompaction: false, checkpoints: mode });
  // A ConfigMap-sized JSON value; each key distinct (creates).
  const value = new TextEncoder().encode(
    JSON.stringify({ data: { v: 'x'.repeat(Math.max(0, Number(args['value-bytes']) - 12)) } }),
  );
  const load = loadavg();
  const latencies: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  // Stalls counted directly: gaps of a 5 ms timer longer than 25 ms (each one a stall that
  // every request in flight would have waited through).
  let stalls = 0;
  let lastTick = nowMs();
  const ticker = setInterval(() => {
    const now = nowMs();
    if (now - lastTick > 25) stalls++;
    lastTick = now;
  }, 5);
  let issued = 0;
  const t0 = nowMs();
  delay.enable();
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (;;) {
          const n = issued++;
          if (n >= total) return;
          if (rate > 0) {
            const due = t0 + (n * 1000) / rate;
            const wait = due - nowMs();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
          const start = nowMs();
          await b.create(`/registry/configmaps/bench/cm-${String(n)}`, value);
          latencies.push(nowMs() - start);
        }
      }),
    );
  } finally {
    delay.disable();
    clearInterval(ticker);
  }
  const elapsed = nowMs() - t0;
  const stats = b.stats();
  const walBytes = fileSize(`${path}-wal`);
  await b.close();
  rmSync(dir, { recursive: true, force: true });
  const s = summarize(latencies);
  const ms = (ns: number): number => ns / 1e6;
  console.log(
    JSON.stringify({
      mode,
      writes: total,
      clients,
      rate,
      writesPerSec: Math.round((total / elapsed) * 1000),
      writeMs: { p50: fmt(s.p50), p99: fmt(s.p99), max: fmt(s.max) },
      eventLoopDelayMs: {
        p50: fmt(ms(delay.percentile(50))),
        p99: fmt(ms(delay.percentile(99))),
        p999: fmt(ms(delay.percentile(99.9))),
        max: fmt(ms(delay.max)),
      },
      stallsOver25ms: stalls,
      walMiB: fmt(walBytes / 1048576),
      transactions: stats.transactions,
      checkpoints: stats.checkpoints,
      loadavg: load.map((l) => l.toFixed(2)).join(' '),
    }),
  );
}

const root = args.dir ?? mkdtempSync(join(tmpdir(), 'skiff-ckpt-bench-'));
try {
  const first: Mode = args.checkpoints === 'inline' ? 'inline' : 'worker';
  const other: Mode = first === 'worker' ? 'inline' : 'worker';
  for (let i = 0; i < Number(args.runs); i++) await run(i % 2 === 0 ? first : other, root, i);
} finally {
  if (args.dir === undefined) rmSync(root, { recursive: true, force: true });
}

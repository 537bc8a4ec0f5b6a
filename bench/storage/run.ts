/**
 * Storage benchmark: sqlite vs real etcd 3.4 (started here) vs memory, side by side in one
 * process tree on this machine. Usage:
 *
 *   node --import tsx bench/storage/run.ts [--quick] [--drivers memory,sqlite,etcd]
 *        [--churn-updates 1000000] [--no-churn] [--out FILE]
 *
 * Prints a Markdown report (pasted into docs/benchmarks.md) and writes the raw JSON to
 * bench/results/. Every write is a durable write for the durable drivers.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import type { Backend, Storage } from '../../src/storage/index.ts';
import { Store } from '../../src/storage/store.ts';
import { createMemoryBackend } from '../../src/storage/memory/index.ts';
import { openSqliteBackend } from '../../src/storage/sqlite/index.ts';
import { openEtcdBackend, startEtcd } from '../../src/storage/etcd/index.ts';
import { Cacher } from '../../src/storage/cacher/index.ts';
import { measureFsync } from './fsync.ts';
import { churn, type ChurnResult } from './churn.ts';
import { fill, listLatency, watchFanout, writes, type WriteResult } from './workloads.ts';
import { fmt, nowMs, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    drivers: { type: 'string', default: 'memory,sqlite,etcd' },
    'churn-updates': { type: 'string', default: '1000000' },
    'no-churn': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const quick = args.quick;
const drivers = args.drivers.split(',');
const scale = (full: number, q: number): number => (quick ? q : full);

interface DriverUnderTest {
  name: string;
  backend: Backend;
  dataDir?: string;
  close(): Promise<void>;
}

const work = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
const results: Record<string, unknown> = {
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  started: new Date().toISOString(),
  quick,
};
let etcdProc: Awaited<ReturnType<typeof startEtcd>> | undefined;

async function openDriver(name: string): Promise<DriverUnderTest> {
  switch (name) {
    case 'memory': {
      const backend = createMemoryBackend();
      return { name, backend, close: () => backend.close() };
    }
    case 'sqlite': {
      const dataDir = join(work, `sqlite-${String(Date.now())}`);
      mkdirSync(dataDir, { recursive: true });
      const backend = await openSqliteBackend({ path: join(dataDir, 'state.db') });
      return { name, backend, dataDir, close: () => backend.close() };
    }
    case 'etcd': {
      etcdProc ??= await startEtcd({ dataDir: join(work, 'etcd') });
      const backend = await openEtcdBackend({
        endpoints: [etcdProc.endpoint],
        keyPrefix: `/bench-${String(Date.now())}`,
      });
      return { name, backend, dataDir: etcdProc.dataDir, close: () => backend.close() };
    }
    default:
      throw new Error(`unknown driver ${name}`);
  }
}

function dirBytes(dir: string, names: string[]): number {
  let total = 0;
  for (const n of names) {
    const p = join(dir, n);
    if (existsSync(p)) total += statSync(p).size;
  }
  return total;
}

async function rawEtcdWrites(
  endpoint: string,
  clients: number,
  total: number,
): Promise<WriteResult> {
  const client = new Etcd3({ hosts: endpoint });
  const value = 'x'.repeat(256);
  const samples: number[] = [];
  let next = 0;
  const t0 = nowMs();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const s = nowMs();
      await client.put(`/raw-bench/${String(clients)}/${String(i)}`).value(value);
      samples.push(nowMs() - s);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const elapsed = nowMs() - t0;
  client.close();
  return {
    ...summarize(samples),
    clients,
    writes: samples.length,
    writesPerSec: (samples.length / elapsed) * 1000,
  };
}

async function startedCacher(storage: Storage, resourcePrefix: string): Promise<Cacher> {
  const cacher = new Cacher(storage, { resourcePrefix, watcherBufferSize: 10_000 });
  cacher.start();
  await cacher.ready();
  return cacher;
}

const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

async function main(): Promise<void> {
  log(`work dir ${work}`);
  results['fsync'] = measureFsync(work, scale(3000, 500));
  log('fsync measured');

  const perDriver: Record<string, Record<string, unknown>> = {};
  for (const name of drivers) {
    const d = await openDriver(name);
    // A short progress interval lets cachers learn the current revision quickly (consistent reads).
    const storage: Storage = new Store(d.backend, { progressNotifyMs: 200 });
    const r: Record<string, unknown> = {};
    perDriver[name] = r;
    try {
      log(`${name}: writes, 1 client`);
      r['writes1'] = await writes(storage, '/registry/w1/', 1, scale(3000, 300), 20_000);
      log(`${name}: writes, 100 clients`);
      r['writes100'] = await writes(storage, '/registry/w100/', 100, scale(30_000, 3000), 30_000);
      log(`${name}: list of 10k`);
      await fill(storage, '/registry/list/', 10_000, 100);
      r['list10k'] = await listLatency(storage, '/registry/list/', scale(10, 3));
      const cacher = await startedCacher(storage, '/registry/list/');
      r['list10kCacherConsistent'] = await listLatency(cacher, '/registry/list/', scale(10, 3));
      r['list10kCacherAny'] = await listLatency(cacher, '/registry/list/', scale(10, 3), {
        resourceVersion: 0,
      });
      await cacher.close();
      log(`${name}: watch fan-out`);
      r['fanoutStore'] = await watchFanout(storage, '/registry/fan1/', 100, scale(300, 50));
      const fanCacher = await startedCacher(storage, '/registry/fan2/');
      r['fanoutCacher'] = await watchFanout(fanCacher, '/registry/fan2/', 100, scale(300, 50));
      await fanCacher.close();
      if (name === 'etcd' && etcdProc) {
        log('etcd: raw etcd3 client reference');
        r['rawWrites1'] = await rawEtcdWrites(etcdProc.endpoint, 1, scale(3000, 300));
        r['rawWrites100'] = await rawEtcdWrites(etcdProc.endpoint, 100, scale(30_000, 3000));
      }
    } finally {
      await d.close();
    }
  }
  results['drivers'] = perDriver;

  if (!args['no-churn'] && drivers.includes('sqlite')) {
    const updates = quick ? 50_000 : Number(args['churn-updates']);
    log(`sqlite: churn, ${String(updates)} updates over 10k keys`);
    const dataDir = join(work, 'churn-sqlite');
    mkdirSync(dataDir, { recursive: true });
    const backend = await openSqliteBackend({ path: join(dataDir, 'state.db') });
    let c: ChurnResult;
    try {
      c = await churn(backend, {
        keys: 10_000,
        updates,
        clients: 100,
        valueBytes: 256,
        keepRevisions: 1000,
        compactEveryMs: 5000,
        onProgress: (n) => {
          log(`churn ${String(n)} / ${String(updates)}`);
        },
      });
    } finally {
      await backend.close();
    }
    const files = ['state.db', 'state.db-wal', 'state.db-shm'];
    const fileBytes = dirBytes(dataDir, files);
    results['churnSqlite'] = { ...c, fileBytes, ratio: fileBytes / c.liveBytes };
  }

  results['finished'] = new Date().toISOString();
  const outDir = join(import.meta.dirname, '..', 'results');
  mkdirSync(outDir, { recursive: true });
  const out =
    args.out ?? join(outDir, `storage-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  log(`raw results: ${out}`);
  process.stdout.write(report(results));
}

type Num = Record<string, number>;
function report(res: Record<string, unknown>): string {
  const lines: string[] = [];
  const drv = (res['drivers'] ?? {}) as Record<string, Record<string, Num & Record<string, Num>>>;
  const fs = res['fsync'] as { fdatasync: Num; fsync: Num };
  lines.push(
    `Disk: 256-byte write + fdatasync p50 ${fmt(fs.fdatasync.p50 ?? 0, 3)} ms, p99 ${fmt(fs.fdatasync.p99 ?? 0, 3)} ms (${fmt(fs.fdatasync.opsPerSec ?? 0)}/s); + fsync p50 ${fmt(fs.fsync.p50 ?? 0, 3)} ms (${fmt(fs.fsync.opsPerSec ?? 0)}/s)`,
  );
  lines.push('');
  lines.push(
    '| driver | 1 client w/s | p50 ms | p99 ms | 100 clients w/s | p50 ms | p99 ms | list 10k p50 ms | cacher list (consistent / any) ms | fan-out 100 p50 / p99 ms (store) | fan-out 100 p50 / p99 ms (cacher) |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, r] of Object.entries(drv)) {
    const w1 = r['writes1'] as Num;
    const w100 = r['writes100'] as Num;
    const l = r['list10k'] as Num;
    const lc = r['list10kCacherConsistent'] as Num;
    const la = r['list10kCacherAny'] as Num;
    const fsS = (r['fanoutStore'] as unknown as { delivery: Num }).delivery;
    const fsC = (r['fanoutCacher'] as unknown as { delivery: Num }).delivery;
    lines.push(
      `| ${name} | ${fmt(w1.writesPerSec ?? 0)} | ${fmt(w1.p50 ?? 0, 3)} | ${fmt(w1.p99 ?? 0, 3)} | ${fmt(w100.writesPerSec ?? 0)} | ${fmt(w100.p50 ?? 0)} | ${fmt(w100.p99 ?? 0)} | ${fmt(l.p50 ?? 0)} | ${fmt(lc.p50 ?? 0)} / ${fmt(la.p50 ?? 0)} | ${fmt(fsS.p50 ?? 0)} / ${fmt(fsS.p99 ?? 0)} | ${fmt(fsC.p50 ?? 0)} / ${fmt(fsC.p99 ?? 0)} |`,
    );
    const raw1 = r['rawWrites1'] as Num | undefined;
    const raw100 = r['rawWrites100'] as Num | undefined;
    if (raw1 && raw100) {
      lines.push(
        `| etcd (raw etcd3 put, no Store) | ${fmt(raw1.writesPerSec ?? 0)} | ${fmt(raw1.p50 ?? 0, 3)} | ${fmt(raw1.p99 ?? 0, 3)} | ${fmt(raw100.writesPerSec ?? 0)} | ${fmt(raw100.p50 ?? 0)} | ${fmt(raw100.p99 ?? 0)} | | | | |`,
      );
    }
  }
  const s = drv['sqlite'];
  const e = drv['etcd'];
  if (s && e) {
    const ratio = (k: string): string =>
      fmt(((s[k] as Num).writesPerSec ?? 0) / ((e[k] as Num).writesPerSec ?? 1));
    lines.push('');
    lines.push(
      `Ratios sqlite/etcd: 1 client ${ratio('writes1')}x, 100 clients ${ratio('writes100')}x.`,
    );
  }
  const c = res['churnSqlite'] as (Num & { compactMs: Num }) | undefined;
  if (c) {
    lines.push('');
    lines.push(
      `Churn (sqlite): ${String(c.updates)} updates over ${String(c.keys)} keys in ${fmt(c.seconds ?? 0)} s (${fmt(c.updatesPerSec ?? 0)}/s); file ${fmt((c.fileBytes ?? 0) / 2 ** 20)} MiB vs live ${fmt((c.liveBytes ?? 0) / 2 ** 20)} MiB = ${fmt(c.ratio ?? 0)}x; ${String(c.compactions)} compactions, p50 ${fmt(c.compactMs.p50 ?? 0)} ms, max ${fmt(c.compactMs.max ?? 0)} ms per compaction, largest batch ${fmt(c.maxBatchMs ?? NaN)} ms over ${String(c.batches ?? '?')} batches.`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

try {
  await main();
} finally {
  if (etcdProc) await etcdProc.stop();
  rmSync(work, { recursive: true, force: true });
}

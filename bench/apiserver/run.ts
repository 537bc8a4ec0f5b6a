/**
 * API server benchmark (issue 3 §6): the real `./skiff server` process, spawned here, driven over
 * HTTPS (HTTP/2, admin client certificate) and stopped by PID. Usage:
 *
 *   node --import tsx bench/apiserver/run.ts [--drivers sqlite,memory,etcd] [--quick]
 *        [--snapshot head|worktree] [--root DIR] [--starts 5] [--idle-cpu-seconds 30] [--out FILE] [--control-plane]
 *
 * Per datastore: exec → first 200 from /readyz (through the `./skiff` launcher and with `node
 * dist/cmd/main.js` directly, with an existing PKI and, for the first driver, on fresh data dirs);
 * idle RSS and idle CPU; 10k pod creates by 100 clients; list of the 10k pods (JSON, Table, and
 * kubectl-style pages of 500); RSS growth per 10k pods; ConfigMap creates by 100 clients while
 * 100 watchers watch the namespace, paced at 500/s and unpaced, with watch delivery latency.
 *
 * `--snapshot head` runs against `git archive HEAD` in a temp dir (node_modules linked), so that
 * edits in the working tree neither break the build nor trigger the launcher's rebuild while the
 * benchmark runs; `--snapshot worktree` copies the working tree instead (uncommitted work). Prints a Markdown report and writes raw JSON to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePorts, startEtcd, type EtcdProcess } from '../../src/storage/etcd/index.ts';
import { closeAll, connect, readKubeconfig } from './client.ts';
import { cpuMsOf, rssOf, startServer, type Launch, type ServerProcess } from './proc.ts';
import {
  creates,
  ensureNamespace,
  listLatency,
  openClients,
  pagedListLatency,
  pod,
  writePhase,
  type CreateResult,
  type ListResult,
  type WritePhaseResult,
} from './workloads.ts';
import { fmt, nowMs, summarize, type LatencySummary } from '../storage/stats.ts';

const { values: args } = parseArgs({
  options: {
    drivers: { type: 'string', default: 'sqlite,memory,etcd' },
    quick: { type: 'boolean', default: false },
    snapshot: { type: 'string' },
    root: { type: 'string' },
    starts: { type: 'string', default: '5' },
    'idle-cpu-seconds': { type: 'string' },
    out: { type: 'string' },
    // The whole control plane (controller-manager, scheduler) instead of the API server alone.
    'control-plane': { type: 'boolean', default: false },
  },
});
const quick = args.quick;
const API_SERVER_ONLY = ['--disable-controller-manager', '--disable-scheduler'];
const scale = (full: number, q: number): number => (quick ? q : full);
const drivers = args.drivers.split(',');
const starts = Number(args.starts);
const idleCpuSeconds = Number(args['idle-cpu-seconds'] ?? scale(30, 5));
const repo = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'skiff-apibench-'));
const servers = new Set<ServerProcess>();
let etcd: EtcdProcess | undefined;

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

const log = (msg: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

/**
 * Copies HEAD of `repo` (`head`) or its working tree's tracked and untracked, not ignored files
 * (`worktree`) to `dir`, with read-only git commands, and links node_modules.
 */
function snapshot(kind: string, dir: string): string {
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const tar = join(work, 'snapshot.tar');
  mkdirSync(dir, { recursive: true });
  if (kind === 'head') {
    execFileSync('git', ['archive', '--format=tar', '-o', tar, 'HEAD'], { cwd: repo });
  } else if (kind === 'worktree') {
    const files = execFileSync('git', ['ls-files', '-z', '-co', '--exclude-standard'], {
      cwd: repo,
    });
    execFileSync('tar', ['--null', '-T', '-', '-cf', tar], {
      cwd: repo,
      input: files,
    });
  } else throw new Error(`--snapshot head|worktree, not ${kind}`);
  execFileSync('tar', ['-xf', tar, '-C', dir]);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  // The launcher reinstalls when package-lock.json is newer than the installed tree; it is not.
  const old = new Date('2000-01-01T00:00:00Z');
  utimesSync(join(dir, 'package-lock.json'), old, old);
  return kind === 'head' ? commit : `${commit}+worktree`;
}

async function start(
  root: string,
  launch: Launch,
  dataDir: string,
  datastore: string | undefined,
): Promise<ServerProcess> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const s = await startServer({
    root,
    launch,
    dataDir,
    port,
    datastore,
    // Issue 3's figures are the API server's: `skiff server` also runs the controller-manager
    // and the scheduler since issue 6, measured with --control-plane.
    ...(args['control-plane'] ? {} : { serverArgs: API_SERVER_ONLY }),
  });
  servers.add(s);
  return s;
}

async function stop(s: ServerProcess): Promise<void> {
  await s.stop();
  servers.delete(s);
}

interface StartFigures {
  /** 1-minute load average before the starts (the machine may be shared). */
  load1: number;
  readyMs: LatencySummary & { samples: number[] };
  kubeconfigMs: LatencySummary;
  selfReportedMs: LatencySummary;
}

/** Starts and stops the server `n` times; figures for exec → ready. */
async function startTimes(
  root: string,
  launch: Launch,
  n: number,
  dataDir: (k: number) => string,
  datastore: string | undefined,
): Promise<StartFigures> {
  const ready: number[] = [];
  const kc: number[] = [];
  const self: number[] = [];
  const load1 = loadavg()[0] ?? 0;
  for (let k = 0; k < n; k++) {
    const s = await start(root, launch, dataDir(k), datastore);
    ready.push(s.readyMs);
    kc.push(s.kubeconfigMs);
    if (s.selfReportedMs !== undefined) self.push(s.selfReportedMs);
    await stop(s);
  }
  return {
    load1,
    readyMs: { ...summarize(ready), samples: ready.map((v) => Math.round(v)) },
    kubeconfigMs: summarize(kc),
    selfReportedMs: summarize(self),
  };
}

interface DriverResult {
  datastore: string;
  startup: Record<string, StartFigures>;
  idle: {
    rssMiB: number;
    /** RSS at the end of the idle-CPU window (V8's memory reducer has run by then). */
    rssEndMiB: number;
    cpuPercent: number;
    seconds: number;
    etcdCpuPercent?: number;
  };
  pods: {
    fill: CreateResult;
    rssAfterMiB: number;
    rssPer10kMiB: number;
    hwmMiB: number;
  };
  list: { json: ListResult; table: ListResult; paged: ListResult & { pages: number } };
  paced: WritePhaseResult;
  unpaced: WritePhaseResult;
  rssEndMiB: number;
  /** Server CPU time and machine load per phase (the machine may be shared). */
  phases: Record<string, PhaseCost>;
}

/** What a phase cost the server process, and how loaded the machine was. */
interface PhaseCost {
  wallMs: number;
  serverCpuMs: number;
  /** Server CPU time / wall time (100 = one core busy). */
  serverCpuPercent: number;
  /** 1-minute load average at the start and end of the phase. */
  load1: [number, number];
}

const MiB = 2 ** 20;

async function runDriver(root: string, name: string, first: boolean): Promise<DriverResult> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  let datastore: string | undefined;
  if (name === 'memory') datastore = 'memory://';
  else if (name === 'etcd') {
    etcd ??= await startEtcd({ dataDir: join(work, 'etcd-data') });
    datastore = `etcd://${etcd.endpoint.replace(/^https?:\/\//, '')}`;
  } else if (name !== 'sqlite') throw new Error(`unknown driver ${name}`);

  const startup: Record<string, StartFigures> = {};
  if (first) {
    log(`${name}: ${String(starts)} starts on fresh data dirs (PKI generated)`);
    startup['launcherFresh'] = await startTimes(
      root,
      'launcher',
      starts,
      (k) => join(dir, `fresh-${String(k)}`),
      datastore,
    );
  }
  // One start to create the PKI; not counted. Later starts get a data dir holding a copy of
  // that PKI (what a restart reads) but a new store: restarting on an existing store is what
  // users do, but it failed at the commit first measured (the `kubernetes` Service's IP was
  // reported as already allocated), and the store's open cost is small next to the rest.
  // With etcd every start shares the one etcd (and its store), so only the main server starts.
  const sharedStore = name === 'etcd';
  const pkiDir = join(dir, 'pki-source');
  if (!sharedStore) await stop(await start(root, 'launcher', pkiDir, datastore));
  const withPki = (label: string): string => {
    const d = join(dir, label);
    if (!sharedStore) cpSync(join(pkiDir, 'pki'), join(d, 'pki'), { recursive: true });
    return d;
  };
  for (const launch of sharedStore ? [] : (['launcher', 'direct'] as const)) {
    log(`${name}: ${String(starts)} starts (${launch}) with an existing PKI`);
    startup[launch] = await startTimes(
      root,
      launch,
      starts,
      (k) => withPki(`${launch}-${String(k)}`),
      datastore,
    );
  }
  const dataDir = withPki('data');

  log(
    `${name}: main server; idle RSS after 5 s and after ${String(idleCpuSeconds)} s more, idle CPU over those`,
  );
  const server = await start(root, 'launcher', dataDir, datastore);
  if (sharedStore) {
    const one = { ...summarize([server.readyMs]), samples: [Math.round(server.readyMs)] };
    startup['launcherFreshMain'] = {
      load1: loadavg()[0] ?? 0,
      readyMs: one,
      kubeconfigMs: summarize([server.kubeconfigMs]),
      selfReportedMs: summarize(server.selfReportedMs === undefined ? [] : [server.selfReportedMs]),
    };
  }
  await sleep(5000);
  const idleRss = rssOf(server.pid).rss;
  const cpu0 = cpuMsOf(server.pid);
  const etcd0 = etcd === undefined ? 0 : cpuMsOf(etcd.pid);
  const t0 = nowMs();
  await sleep(idleCpuSeconds * 1000);
  const wall = nowMs() - t0;
  const idle = {
    rssMiB: idleRss / MiB,
    rssEndMiB: rssOf(server.pid).rss / MiB,
    cpuPercent: ((cpuMsOf(server.pid) - cpu0) / wall) * 100,
    seconds: wall / 1000,
    ...(etcd === undefined ? {} : { etcdCpuPercent: ((cpuMsOf(etcd.pid) - etcd0) / wall) * 100 }),
  };

  const phases: Record<string, PhaseCost> = {};
  const phase = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const c0 = cpuMsOf(server.pid);
    const w0 = nowMs();
    const l0 = loadavg()[0] ?? 0;
    const out = await fn();
    const wallMs = nowMs() - w0;
    const serverCpuMs = cpuMsOf(server.pid) - c0;
    phases[label] = {
      wallMs,
      serverCpuMs,
      serverCpuPercent: (serverCpuMs / wallMs) * 100,
      load1: [l0, loadavg()[0] ?? 0],
    };
    return out;
  };
  const creds = readKubeconfig(server.kubeconfig);
  const admin = await connect(creds);
  try {
    const podCount = scale(10_000, 2000);
    log(`${name}: create ${String(podCount)} pods with 100 clients`);
    await ensureNamespace(admin, 'bench-list');
    const clients = await openClients(creds, 100);
    let fill: CreateResult;
    try {
      fill = await phase('podCreates', () =>
        creates(clients, '/api/v1/namespaces/bench-list/pods', pod, { total: podCount }),
      );
    } finally {
      closeAll(clients);
    }
    await sleep(3000);
    const afterPods = rssOf(server.pid);
    const pods = {
      fill,
      rssAfterMiB: afterPods.rss / MiB,
      rssPer10kMiB: ((afterPods.rss - idleRss) / MiB) * (10_000 / podCount),
      hwmMiB: afterPods.hwm / MiB,
    };

    const lists = scale(20, 5);
    const path = '/api/v1/namespaces/bench-list/pods';
    log(`${name}: ${String(lists)} lists of the pods (JSON, Table, pages of 500)`);
    const list = {
      json: await phase('listJson', () => listLatency(admin, path, lists)),
      table: await phase('listTable', () =>
        listLatency(admin, path, lists, { accept: TABLE_ACCEPT }),
      ),
      paged: await phase('listPaged', () =>
        pagedListLatency(admin, path, 500, scale(10, 3), { accept: TABLE_ACCEPT }),
      ),
    };

    const seconds = scale(10, 3);
    log(`${name}: ConfigMap creates paced at 500/s for ${String(seconds)} s, 100 watchers`);
    const paced = await phase('paced', () =>
      writePhase(creds, admin, 'bench-paced', {
        clients: 100,
        watchers: 100,
        seconds,
        perSec: 500,
      }),
    );
    log(`${name}: ConfigMap creates unpaced for ${String(seconds)} s, 100 watchers`);
    const unpaced = await phase('unpaced', () =>
      writePhase(creds, admin, 'bench-max', { clients: 100, watchers: 100, seconds }),
    );
    const rssEndMiB = rssOf(server.pid).rss / MiB;
    return {
      datastore: datastore ?? 'sqlite://DIR/state.db',
      startup,
      idle,
      pods,
      list,
      paced,
      unpaced,
      rssEndMiB,
      phases,
    };
  } finally {
    admin.destroy();
    await stop(server);
  }
}

async function main(): Promise<void> {
  log(`work dir ${work}`);
  let root = args.root === undefined ? repo : resolve(args.root);
  let commit: string | undefined;
  if (args.snapshot !== undefined) {
    root = join(work, 'checkout');
    commit = snapshot(args.snapshot, root);
    log(`snapshot of ${commit} in ${root}`);
  }
  log('building through the launcher (./skiff version)');
  const b0 = nowMs();
  execFileSync(join(root, 'skiff'), ['version'], { cwd: root, stdio: 'ignore' });
  const buildMs = nowMs() - b0;
  const results: Record<string, unknown> = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadavgAtStart: loadavg(),
    },
    started: new Date().toISOString(),
    root,
    commit,
    quick,
    buildMs,
  };
  const perDriver: Record<string, DriverResult> = {};
  results['drivers'] = perDriver;
  for (const [k, name] of drivers.entries()) {
    perDriver[name] = await runDriver(root, name, k === 0);
  }
  results['finished'] = new Date().toISOString();
  const outDir = join(import.meta.dirname, '..', 'results');
  mkdirSync(outDir, { recursive: true });
  const out =
    args.out ?? join(outDir, `apiserver-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  log(`raw results: ${out}`);
  process.stdout.write(report(perDriver, buildMs));
}

const ms = (s: LatencySummary, k: 'p50' | 'p99' | 'max' = 'p50'): string => fmt(s[k]);
const perOp = (c: PhaseCost | undefined, n: number): string =>
  c === undefined || n === 0 ? '' : fmt(c.serverCpuMs / n);
const load = (c: PhaseCost | undefined): string =>
  c === undefined ? '' : `${fmt(c.load1[0], 1)}→${fmt(c.load1[1], 1)}`;

function report(perDriver: Record<string, DriverResult>, buildMs: number): string {
  const lines: string[] = [];
  const entries = Object.entries(perDriver);
  lines.push(`Launcher build (\`./skiff version\` after a change): ${fmt(buildMs / 1000)} s.`, '');
  lines.push(
    '| datastore | start | exec → /readyz 200: p50 / max ms | exec → kubeconfig p50 ms | server\'s own "ready in" p50 ms | load avg |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  );
  const startNames: Record<string, string> = {
    launcherFresh: '`./skiff server`, fresh data dir',
    launcherFreshMain: '`./skiff server`, fresh data dir (1 start)',
    launcher: '`./skiff server`, existing PKI',
    direct: '`node dist/cmd/main.js server`, existing PKI',
  };
  for (const [name, r] of entries) {
    for (const [k, f] of Object.entries(r.startup)) {
      lines.push(
        `| ${name} | ${startNames[k] ?? k} | ${ms(f.readyMs)} / ${ms(f.readyMs, 'max')} | ${ms(f.kubeconfigMs)} | ${ms(f.selfReportedMs)} | ${fmt(f.load1, 1)} |`,
      );
    }
  }
  lines.push(
    '',
    '| datastore | idle RSS MiB: after 5 s / at the end of the idle window | idle CPU % of a core | RSS after 10k pods MiB | RSS per 10k pods MiB | pod creates/s (100 clients) | p50 / p99 ms | server CPU ms per create | load avg |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [name, r] of entries) {
    const f = r.pods.fill;
    const c = r.phases['podCreates'];
    lines.push(
      `| ${name} | ${fmt(r.idle.rssMiB)} / ${fmt(r.idle.rssEndMiB)} | ${fmt(r.idle.cpuPercent, 3)}${r.idle.etcdCpuPercent === undefined ? '' : ` (etcd ${fmt(r.idle.etcdCpuPercent)})`} | ${fmt(r.pods.rssAfterMiB)} | ${fmt(r.pods.rssPer10kMiB)} | ${fmt(f.createsPerSec)} | ${ms(f.service)} / ${ms(f.service, 'p99')} | ${perOp(c, f.created)} | ${load(c)} |`,
    );
  }
  lines.push(
    '',
    '| datastore | list 10k pods JSON p50 / p99 ms (MiB) | Table p50 / p99 ms (MiB) | Table in pages of 500 (kubectl get) p50 / p99 ms | server CPU ms per list JSON / Table / paged | load avg |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [name, r] of entries) {
    const { json, table, paged } = r.list;
    const p = r.phases;
    lines.push(
      `| ${name} | ${ms(json)} / ${ms(json, 'p99')} (${fmt(json.bytes / MiB)}) | ${ms(table)} / ${ms(table, 'p99')} (${fmt(table.bytes / MiB)}) | ${ms(paged)} / ${ms(paged, 'p99')} (${String(paged.pages)} pages) | ${perOp(p['listJson'], json.count)} / ${perOp(p['listTable'], table.count)} / ${perOp(p['listPaged'], paged.count)} | ${load(p['listJson'])} |`,
    );
  }
  lines.push(
    '',
    '| datastore | phase | creates/s | create p50 / p99 ms | failed | watch delivery p50 / p99 ms | last of 100 watchers p50 / p99 ms | undelivered | server CPU ms per create (with fan-out) | load avg |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [name, r] of entries) {
    for (const [phase, p, cost] of [
      ['paced 500/s', r.paced, r.phases['paced']],
      ['unpaced', r.unpaced, r.phases['unpaced']],
    ] as const) {
      const c = p.creates;
      lines.push(
        `| ${name} | ${phase} | ${fmt(c.createsPerSec)} | ${ms(c.latency)} / ${ms(c.latency, 'p99')} | ${String(c.failed)} | ${ms(p.watch.delivery)} / ${ms(p.watch.delivery, 'p99')} | ${ms(p.watch.lastWatcher)} / ${ms(p.watch.lastWatcher, 'p99')} | ${String(p.watch.missing)} | ${perOp(cost, c.created)} | ${load(cost)} |`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

try {
  await main();
} finally {
  for (const s of servers) await s.stop(2000);
  if (etcd !== undefined) await etcd.stop();
  rmSync(work, { recursive: true, force: true });
}

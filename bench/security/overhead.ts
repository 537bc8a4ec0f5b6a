/**
 * What authentication, authorization and admission add to create latency (issue 5), measured
 * end to end against one real `node dist/cmd/main.js server` (SQLite datastore, fresh data dir,
 * loopback, HTTP/2), spawned here and stopped by PID. Usage:
 *
 *   node --import tsx bench/security/overhead.ts [--quick] [--rounds 2] [--sequential 400]
 *        [--concurrent 2000] [--clients 50] [--root DIR] [--no-build] [--out FILE]
 *
 * Cases, each in its own namespace:
 *  (a) admin client certificate (CN admin, O system:masters: the authorizer returns before RBAC),
 *      plain namespace: the baseline;
 *  (b) a client certificate user (CN bench-editor, no groups) bound to ClusterRole `edit` by a
 *      RoleBinding in the namespace: RBAC evaluated on every request;
 *  (c) a bearer token from TokenRequest for the namespace's `default` ServiceAccount, bound to
 *      `edit`: service account JWT authentication (verified, then cached 10 s) + RBAC;
 *  (d) like (b), in a namespace with a LimitRange (container defaults), a ResourceQuota (pods,
 *      requests.cpu, configmaps; charged with a CAS write of the quota status before each create)
 *      and pod-security.kubernetes.io/enforce=baseline: the full admission path.
 * Pods in every namespace also go through the admission plugins that need no namespace objects
 * (ServiceAccount with its projected token volume, Priority, DefaultTolerationSeconds, PodSecurity
 * at the cluster default), so (a)–(c) vs (d) isolates LimitRanger + quota + baseline checks.
 *
 * Per case and object (ConfigMaps, Pods): `--sequential` creates by 1 client one after another
 * (latency), then `--concurrent` creates by `--clients` clients, each with one request in flight
 * (throughput and latency). Every case is warmed up first, and the rounds interleave the cases so
 * that a growing database or a change of machine load weighs on all of them alike; samples are
 * pooled over the rounds (the JSON keeps each round's figures too). Server CPU time per create
 * comes from /proc (less sensitive to other processes on a shared machine than wall-clock
 * latency); before and after each phase the benchmark waits for the server to go idle, so work
 * a phase leaves behind (watch fan-out, quota controller) is charged to that phase.
 *
 * `--cases abd` runs a subset; `--cpu-prof DIR` runs the server under --cpu-prof (profiles
 * written to DIR when it stops); `--canonical-quota` writes the quota's spec.hard in canonical
 * form ('100k', '1k') instead of '100000', '1000'.
 *
 * The server runs from a private copy of dist/ (node_modules and src linked) so that a rebuild of the
 * checkout during the run cannot change it; dist/ is rebuilt first with scripts/build.sh when
 * src/ is newer than it (unless --no-build); `--root DIR` runs DIR/dist as is.
 *
 * Prints a Markdown report on stdout (progress on stderr) and writes the raw JSON to
 * bench/results/security-overhead-<ISO time>.json (or --out).
 */
import { execFileSync } from 'node:child_process';
import type http2 from 'node:http2';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { issueCertificate } from '../../src/apiserver/pki/index.ts';
import { freePorts } from '../../src/storage/etcd/index.ts';
import { closeAll, readKubeconfig, request, type Credentials } from '../apiserver/client.ts';
import { cpuMsOf, startServer, type ServerProcess } from '../apiserver/proc.ts';
import { configMap, ensureNamespace, openClients, pod } from '../apiserver/workloads.ts';
import { fmt, nowMs, summarize, type LatencySummary } from '../storage/stats.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    sequential: { type: 'string' },
    concurrent: { type: 'string' },
    clients: { type: 'string', default: '50' },
    root: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    out: { type: 'string' },
    cases: { type: 'string', default: 'abcd' },
    'canonical-quota': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const quick = args.quick;
const ROUNDS = Number(args.rounds ?? (quick ? 1 : 2));
/** Creates per case, object and round by one client. */
const SEQUENTIAL = Number(args.sequential ?? (quick ? 150 : 400));
/** Creates per case, object and round by CLIENTS clients. */
const CONCURRENT = Number(args.concurrent ?? (quick ? 600 : 2000));
const CLIENTS = Number(args.clients);
/** Unmeasured creates per case and object before the first round (JIT, caches, token cache). */
const WARMUP = quick ? 100 : 300;

const repo = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'skiff-secbench-'));
let server: ServerProcess | undefined;

const log = (msg: string): void => {
  process.stderr.write(`[overhead ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

// ---------------------------------------------------------------------------------------------
// Server.

/** True when a build input is newer than dist/ (the launcher's own staleness rule). */
function distIsStale(root: string): boolean {
  const stamp = join(root, 'dist', 'cmd', 'skiff.cjs');
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const out = execFileSync(
    'find',
    [
      'src',
      'package.json',
      'tsconfig.json',
      'scripts/build.sh',
      'scripts/main-loader.cjs',
      '-newermt',
      new Date(built).toISOString(),
      '-print',
      '-quit',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  return out.trim() !== '';
}

/** A private root with a copy of the checkout's dist/ (built first when stale). */
function prepareRoot(): string {
  if (args.root !== undefined) return resolve(args.root);
  if (!args['no-build'] && distIsStale(repo)) {
    log('dist/ is older than src/: bash scripts/build.sh');
    execFileSync('bash', ['scripts/build.sh'], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const root = join(work, 'root');
  mkdirSync(root);
  // Only the bundle and its loader: the V8 code cache is rebuilt by the server for its own copy.
  cpSync(join(repo, 'dist'), join(root, 'dist'), {
    recursive: true,
    filter: (src) => !src.endsWith('.cache'),
  });
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  // The bundle reads data files beside the sources (the OpenAPI schemas) through ../../src.
  symlinkSync(join(repo, 'src'), join(root, 'src'));
  return root;
}

// ---------------------------------------------------------------------------------------------
// Cluster set-up.

const EDITOR = 'bench-editor';

/** The admin session's request, failing on any status not in `ok`. */
async function must(
  s: http2.ClientHttp2Session,
  method: string,
  path: string,
  body: unknown,
  ok: number[] = [200, 201],
): Promise<unknown> {
  const r = await request(s, method, path, body === undefined ? undefined : JSON.stringify(body));
  if (!ok.includes(r.status)) {
    throw new Error(`${method} ${path}: HTTP ${String(r.status)} ${r.body.toString()}`);
  }
  return r.body.length === 0 ? undefined : (JSON.parse(r.body.toString()) as unknown);
}

/** Polls `check` every 50 ms for up to 15 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = nowMs() + 15_000;
  while (!(await check())) {
    if (nowMs() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function editBinding(ns: string, subject: Record<string, string>): unknown {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-edit', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [subject],
  };
}

const userSubject = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: EDITOR };

/** One identity + namespace under test. */
interface Case {
  id: string;
  label: string;
  ns: string;
  creds: Credentials;
  /** Extra request headers (the bearer token). */
  headers: Record<string, string>;
}

/** Creates the four namespaces, their bindings and policy objects, and the credentials. */
async function setUp(
  admin: http2.ClientHttp2Session,
  adminCreds: Credentials,
  dataDir: string,
): Promise<Case[]> {
  const ns = { a: 'sec-a-admin', b: 'sec-b-rbac', c: 'sec-c-satoken', d: 'sec-d-admission' };
  for (const n of [ns.a, ns.b, ns.c]) await ensureNamespace(admin, n);
  await must(admin, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns.d, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
  });
  const rb = (n: string): string =>
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${n}/rolebindings`;
  await must(admin, 'POST', rb(ns.b), editBinding(ns.b, userSubject));
  await must(admin, 'POST', rb(ns.d), editBinding(ns.d, userSubject));
  await must(
    admin,
    'POST',
    rb(ns.c),
    editBinding(ns.c, { kind: 'ServiceAccount', name: 'default', namespace: ns.c }),
  );
  await must(admin, 'POST', `/api/v1/namespaces/${ns.d}/limitranges`, {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'defaults' },
    spec: {
      limits: [
        {
          type: 'Container',
          default: { cpu: '100m', memory: '64Mi' },
          defaultRequest: { cpu: '10m', memory: '16Mi' },
        },
      ],
    },
  });
  await must(admin, 'POST', `/api/v1/namespaces/${ns.d}/resourcequotas`, {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'bench' },
    // --canonical-quota writes the same amounts as the server serialises them, so that a
    // controller comparing spec.hard and status.hard as strings sees them equal.
    spec: {
      hard: args['canonical-quota']
        ? { configmaps: '100k', pods: '100k', 'requests.cpu': '1k' }
        : { pods: '100000', 'requests.cpu': '1000', configmaps: '100000' },
    },
  });
  // Quota admission refuses creates until the quota controller has computed the status.
  await until('the ResourceQuota status', async () => {
    const q = (await must(
      admin,
      'GET',
      `/api/v1/namespaces/${ns.d}/resourcequotas/bench`,
      undefined,
    )) as {
      status?: { hard?: Record<string, string>; used?: Record<string, string> };
    };
    return Object.keys(q.status?.hard ?? {}).length === 3 && q.status?.used?.['pods'] !== undefined;
  });
  await until('the default ServiceAccount', async () => {
    const r = await request(admin, 'GET', `/api/v1/namespaces/${ns.c}/serviceaccounts/default`);
    return r.status === 200;
  });
  const tr = (await must(
    admin,
    'POST',
    `/api/v1/namespaces/${ns.c}/serviceaccounts/default/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    },
  )) as { status?: { token?: string } };
  const token = tr.status?.token;
  if (token === undefined) throw new Error('TokenRequest: no status.token');

  const ca = {
    certPem: readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8'),
    keyPem: readFileSync(join(dataDir, 'pki', 'ca.key'), 'utf8'),
  };
  const editorCert = issueCertificate(ca, {
    commonName: EDITOR,
    usages: ['client'],
    validDays: 1,
  });
  const editor: Credentials = { ...adminCreds, cert: editorCert.certPem, key: editorCert.keyPem };
  // No client certificate: Node's TLS context skips empty cert/key, so only the token authenticates.
  const anonymous: Credentials = { ...adminCreds, cert: '', key: '' };
  const bearer = { authorization: `Bearer ${token}` };
  return [
    {
      id: 'a',
      label: '(a) admin cert (system:masters), plain ns',
      ns: ns.a,
      creds: adminCreds,
      headers: {},
    },
    {
      id: 'b',
      label: '(b) cert user + RBAC (edit RoleBinding), plain ns',
      ns: ns.b,
      creds: editor,
      headers: {},
    },
    {
      id: 'c',
      label: '(c) SA token (JWT) + RBAC, plain ns',
      ns: ns.c,
      creds: anonymous,
      headers: bearer,
    },
    {
      id: 'd',
      label: '(d) cert user + RBAC, LimitRange + ResourceQuota + PSA baseline',
      ns: ns.d,
      creds: editor,
      headers: {},
    },
  ];
}

/**
 * Waits (up to 10 s) until the server uses under 5% of a core over 250 ms, so that background
 * work a phase caused (watch fan-out, quota controller) is charged to it and does not slow the
 * next phase down.
 */
async function settle(pid: number): Promise<void> {
  const deadline = nowMs() + 10_000;
  for (;;) {
    const c0 = cpuMsOf(pid);
    await sleep(250);
    if (cpuMsOf(pid) - c0 < 12.5 || nowMs() > deadline) return;
  }
}

// ---------------------------------------------------------------------------------------------
// Workload.

type Kind = 'configmaps' | 'pods';
const KINDS: readonly Kind[] = ['configmaps', 'pods'];

interface Sample {
  ms: number;
  status: number;
}

/**
 * `total` creates of `kind` in `ns` from `sessions`, each client with one request in flight and
 * sending its next as soon as the previous is answered. `next` numbers the objects (unique names
 * per namespace). workloads.creates() has no per-request headers, which the token case needs.
 */
async function run(
  sessions: http2.ClientHttp2Session[],
  c: Case,
  kind: Kind,
  total: number,
  next: () => number,
): Promise<{
  samples: Sample[];
  seconds: number;
  /** The first created object, as the server returned it. */
  firstBody: string | undefined;
  firstError: string | undefined;
}> {
  const path = `/api/v1/namespaces/${c.ns}/${kind}`;
  const samples: Sample[] = [];
  let firstBody: string | undefined;
  let firstError: string | undefined;
  let issued = 0;
  const t0 = nowMs();
  await Promise.all(
    sessions.map(async (s) => {
      while (issued < total) {
        issued++;
        const i = next();
        const body = kind === 'pods' ? pod(i) : configMap(i, Date.now());
        const t = nowMs();
        let status: number;
        try {
          const r = await request(s, 'POST', path, body, c.headers);
          status = r.status;
          if (status === 201) firstBody ??= r.body.toString();
          else if (firstError === undefined) {
            firstError = `HTTP ${String(status)} ${r.body.toString().slice(0, 500)}`;
            log(`${c.id} ${kind}: ${firstError}`);
          }
        } catch {
          status = -1;
        }
        samples.push({ ms: nowMs() - t, status });
      }
    }),
  );
  return { samples, seconds: (nowMs() - t0) / 1000, firstBody, firstError };
}

/** Pooled figures of one (case, object, clients) cell. */
interface Cell {
  case: string;
  label: string;
  kind: Kind;
  clients: number;
  created: number;
  failed: number;
  failures: Record<string, number>;
  seconds: number;
  createsPerSec: number;
  latency: LatencySummary;
  serverCpuMsPerCreate: number;
  /** Load average (1 min) at the start of each round's phase. */
  load1: number[];
  rounds: RoundFigures[];
}

/** One round's figures of a cell (ms), to see drift as the namespaces fill. */
interface RoundFigures {
  createsPerSec: number;
  p50: number;
  p99: number;
  serverCpuMsPerCreate: number;
}

interface Acc {
  samples: Sample[];
  seconds: number;
  cpuMs: number;
  load1: number[];
  rounds: RoundFigures[];
}

function cell(c: Case, kind: Kind, clients: number, acc: Acc): Cell {
  const ok = acc.samples.filter((s) => s.status === 201);
  const failures: Record<string, number> = {};
  for (const s of acc.samples) {
    if (s.status !== 201) failures[String(s.status)] = (failures[String(s.status)] ?? 0) + 1;
  }
  return {
    case: c.id,
    label: c.label,
    kind,
    clients,
    created: ok.length,
    failed: acc.samples.length - ok.length,
    failures,
    seconds: acc.seconds,
    createsPerSec: ok.length / acc.seconds,
    latency: summarize(ok.map((s) => s.ms)),
    serverCpuMsPerCreate: acc.cpuMs / Math.max(1, acc.samples.length),
    load1: acc.load1,
    rounds: acc.rounds,
  };
}

/** Checks on the first objects that the path under test really ran (defaults, quota, SA). */
function checkAdmission(c: Case, kind: Kind, body: string | undefined): void {
  if (kind !== 'pods' || body === undefined) return;
  const p = JSON.parse(body) as {
    spec?: {
      serviceAccountName?: string;
      containers?: { resources?: { requests?: Record<string, string> } }[];
    };
  };
  if (p.spec?.serviceAccountName !== 'default') {
    throw new Error(`${c.id}: pod without serviceAccountName (ServiceAccount admission): ${body}`);
  }
  const cpu = p.spec.containers?.[0]?.resources?.requests?.['cpu'];
  if (c.id === 'd' && cpu !== '10m') {
    throw new Error(`${c.id}: pod without the LimitRange default request: ${body}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    os: `${platform()} ${release()}`,
    cpuModel: c[0]?.model ?? 'unknown',
    cpus: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

const pct = (x: number, base: number): string =>
  base === 0 ? '' : `${x - base >= 0 ? '+' : ''}${((100 * (x - base)) / base).toFixed(0)}%`;
const delta = (x: number, base: number): string =>
  `${x - base >= 0 ? '+' : ''}${fmt(x - base)} (${pct(x, base)})`;
const la = (xs: readonly number[] | undefined): string =>
  (xs ?? []).map((x) => x.toFixed(2)).join(' / ');

function report(r: Results): string {
  const m = r.machine;
  const lines: string[] = [
    `Machine: ${String(m['cpuModel'])} × ${String(m['cpus'])}, ${String(m['memGiB'])} GiB, ${String(m['os'])}, Node ${String(m['node'])}; ` +
      `load average (1/5/15 min) ${la(r.loadavgAtStart)} at start, ${la(r.loadavgAtEnd)} at end.`,
    '',
    `One server (SQLite, loopback, HTTP/2); ${String(r.settings['rounds'])} interleaved round(s) of ${String(r.settings['sequential'])} sequential and ` +
      `${String(r.settings['concurrent'])} concurrent creates per cell after ${String(r.settings['warmup'])} warm-up creates; latency is send → response ` +
      '(p50/p99 pooled over the rounds); server CPU is the server process user + system time per create. Overheads are against (a) for the same object and clients.',
    '',
    '| identity / namespace | object | clients | creates/s | p50 ms | p99 ms | server CPU ms/create | Δ p50 vs (a) ms (%) | Δ p99 vs (a) ms (%) | Δ CPU/create vs (a) ms (%) | creates/s vs (a) | failed | load (1 min) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const x of r.cells) {
    const base = r.cells.find(
      (b) => b.case === 'a' && b.kind === x.kind && b.clients === x.clients,
    );
    const cmp = base !== undefined && x.case !== 'a';
    lines.push(
      `| ${x.label} | ${x.kind === 'pods' ? 'Pod' : 'ConfigMap'} | ${String(x.clients)} | ${fmt(x.createsPerSec, 0)} | ${fmt(x.latency.p50)} | ${fmt(x.latency.p99)} | ${fmt(x.serverCpuMsPerCreate)} | ` +
        `${cmp ? delta(x.latency.p50, base.latency.p50) : '—'} | ${cmp ? delta(x.latency.p99, base.latency.p99) : '—'} | ` +
        `${cmp ? delta(x.serverCpuMsPerCreate, base.serverCpuMsPerCreate) : '—'} | ${cmp ? pct(x.createsPerSec, base.createsPerSec) : '—'} | ` +
        `${String(x.failed)} | ${x.load1.map((l) => l.toFixed(1)).join(', ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Results {
  machine: Record<string, unknown>;
  started: string;
  finished?: string;
  root: string;
  settings: Record<string, unknown>;
  loadavgAtStart: number[];
  loadavgAtEnd?: number[];
  cells: Cell[];
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const results: Results = {
    machine: machine(),
    started: new Date().toISOString(),
    root: '',
    settings: {
      quick,
      rounds: ROUNDS,
      sequential: SEQUENTIAL,
      concurrent: CONCURRENT,
      clients: CLIENTS,
      warmup: WARMUP,
      datastore: 'sqlite',
      canonicalQuota: args['canonical-quota'],
      cases: args.cases,
    },
    loadavgAtStart: loadavg(),
    cells: [],
  };
  const root = prepareRoot();
  results.root = root;
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const dataDir = join(work, 'data');
  log(`starting the server (${root}/dist, port ${String(port)})`);
  const prof = args['cpu-prof'];
  server = await startServer({
    root,
    launch: 'direct',
    dataDir,
    port,
    ...(prof === undefined ? {} : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(prof)}`] }),
  });
  const pid = server.pid;
  const adminCreds = readKubeconfig(server.kubeconfig);
  const [admin] = await openClients(adminCreds, 1);
  if (admin === undefined) throw new Error('no admin session');
  const sessions = new Map<string, http2.ClientHttp2Session[]>();
  try {
    const all = await setUp(admin, adminCreds, dataDir);
    const cases = all.filter((c) => args.cases.includes(c.id));
    for (const c of cases) sessions.set(c.id, await openClients(c.creds, CLIENTS));

    // RBAC really decides for (b)–(d): the editor has no binding in (a)'s namespace.
    const editorCreds = all.find((c) => c.id === 'b')?.creds;
    if (editorCreds === undefined) throw new Error('no editor credentials');
    const [editor] = await openClients(editorCreds, 1);
    if (editor === undefined) throw new Error('no editor session');
    sessions.set('denied', [editor]);
    const denied = await request(
      editor,
      'POST',
      `/api/v1/namespaces/sec-a-admin/configmaps`,
      configMap(0, 0),
    );
    if (denied.status !== 403)
      throw new Error(`editor in sec-a-admin: HTTP ${String(denied.status)}, want 403`);

    const counters = new Map<string, number>();
    const next = (c: Case, kind: Kind) => (): number => {
      const k = `${c.id}/${kind}`;
      const n = counters.get(k) ?? 0;
      counters.set(k, n + 1);
      return n;
    };
    const clientsOf = (c: Case): http2.ClientHttp2Session[] => sessions.get(c.id) ?? [];

    log(`warm-up: ${String(WARMUP)} creates per case and object`);
    for (const c of cases) {
      for (const kind of KINDS) {
        const w = await run(clientsOf(c).slice(0, 4), c, kind, WARMUP, next(c, kind));
        if (w.samples.some((s) => s.status !== 201)) {
          throw new Error(
            `${c.label} ${kind}: warm-up create failed: ${w.firstError ?? 'no response'}`,
          );
        }
        checkAdmission(c, kind, w.firstBody);
      }
    }

    const accs = new Map<string, Acc>();
    const acc = (key: string): Acc => {
      let a = accs.get(key);
      if (a === undefined) {
        a = { samples: [], seconds: 0, cpuMs: 0, load1: [], rounds: [] };
        accs.set(key, a);
      }
      return a;
    };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so no case always runs first after another's burst.
      const order = cases
        .map((_, i) => cases[(i + round) % cases.length])
        .filter((c) => c !== undefined);
      for (const c of order) {
        for (const kind of KINDS) {
          for (const [clients, total] of [
            [1, SEQUENTIAL],
            [CLIENTS, CONCURRENT],
          ] as const) {
            const a = acc(`${c.id}/${kind}/${String(clients)}`);
            a.load1.push(loadavg()[0] ?? 0);
            await settle(pid);
            const cpu0 = cpuMsOf(pid);
            const r = await run(clientsOf(c).slice(0, clients), c, kind, total, next(c, kind));
            await settle(pid);
            const cpuMs = cpuMsOf(pid) - cpu0;
            a.cpuMs += cpuMs;
            a.seconds += r.seconds;
            a.samples.push(...r.samples);
            const lat = summarize(r.samples.map((s) => s.ms));
            a.rounds.push({
              createsPerSec: r.samples.length / r.seconds,
              p50: lat.p50,
              p99: lat.p99,
              serverCpuMsPerCreate: cpuMs / r.samples.length,
            });
            log(
              `round ${String(round + 1)}/${String(ROUNDS)} ${c.id} ${kind} ×${String(clients)}: ` +
                `${fmt(r.samples.length / r.seconds, 0)}/s p50 ${fmt(lat.p50)} ms p99 ${fmt(lat.p99)} ms`,
            );
          }
        }
      }
    }
    for (const kind of KINDS) {
      for (const clients of [1, CLIENTS]) {
        for (const c of cases)
          results.cells.push(cell(c, kind, clients, acc(`${c.id}/${kind}/${String(clients)}`)));
      }
    }
  } finally {
    closeAll([admin, ...[...sessions.values()].flat()]);
  }
  results.loadavgAtEnd = loadavg();
  results.finished = new Date().toISOString();
  const outDir = join(import.meta.dirname, '..', 'results');
  mkdirSync(outDir, { recursive: true });
  const out =
    args.out ??
    join(outDir, `security-overhead-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  log(`raw results: ${out}`);
  process.stdout.write(report(results));
}

try {
  await main();
} finally {
  await server?.stop(5000);
  rmSync(work, { recursive: true, force: true });
}

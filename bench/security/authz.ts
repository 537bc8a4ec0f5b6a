/**
 * RBAC authorization cost (issue 5: "authorization cost per request with 1,000 roles and
 * bindings, target < 50 µs"), measured in process on the real `RbacAuthorizer` of src/api/rbac
 * over a `MemoryRbacSource`. Usage:
 *
 *   node --import tsx bench/security/authz.ts [--quick] [--runs 5] [--iterations 20000] [--out FILE]
 *
 * Policy: the whole bootstrap policy (ClusterRoles with admin/edit/view aggregated to a fixed
 * point, as the aggregation controller would leave them, plus bootstrap ClusterRoleBindings,
 * Roles and RoleBindings), 60 custom ClusterRoles (20 of them aggregated into admin/edit/view),
 * 100 ClusterRoleBindings, and 1,000 Roles and 1,000 RoleBindings over 50 namespaces. Subjects
 * are users, groups and service accounts (some from other namespaces); ~20% of the RoleBindings
 * reference a ClusterRole and a few reference a deleted Role. The generator is seeded, so every
 * run sees the same policy.
 *
 * Measured, per case of a fixed request mix (allowed and denied, resource and non-resource,
 * namespaced and cluster-scoped; users with 30 and 200 groups, service accounts, a
 * system:masters admin for contrast):
 * - `authorize()`: p50/p99 of single timed calls (process.hrtime.bigint; the timer's own cost
 *   is reported separately and not subtracted) pooled over the runs, and the mean from timing
 *   batches of calls (no per-call timer), with its min–max over the runs;
 * - index rebuild after a binding change (a re-put binding bumps `bindingsRevision`): the
 *   first request after the bump, minus the steady-state cost of that request, for the cluster
 *   index, the cluster + one namespace index, and all namespaces;
 * - retained heap of a fully built index (all namespaces), from heap deltas after GC;
 * - `forbiddenMessage` / `forbiddenError` on the denied cases, and `rulesFor`
 *   (SelfSubjectRulesReview) for a few users.
 *
 * `--only REGEX` runs just the matching authorize() cases (and the mix), e.g. under
 * `node --cpu-prof --import tsx bench/security/authz.ts --only '200 groups'`.
 *
 * Prints a Markdown report on stdout (progress on stderr) and writes the raw JSON to
 * bench/results/security-authz-<ISO time>.json (or --out). Each case's decision is checked
 * against its expectation first, so a policy change that alters a case fails loudly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import {
  aggregateClusterRole,
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  bootstrapRoleBindings,
  bootstrapRoles,
  forbiddenError,
  forbiddenMessage,
  MemoryRbacSource,
  RBAC_GROUP,
  RbacAuthorizer,
} from '../../src/api/index.ts';
import type { AuthorizationAttributes, DecisionKind, UserInfo } from '../../src/api/index.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    iterations: { type: 'string' },
    out: { type: 'string' },
    only: { type: 'string' },
  },
});
/** Only the authorize() cases whose name matches; skips the other sections (for --cpu-prof). */
const only = args.only === undefined ? undefined : new RegExp(args.only, 'i');
const quick = args.quick;
const RUNS = Number(args.runs ?? (quick ? 2 : 5));
/** Single-timed calls per case per run. */
const ITERATIONS = Number(args.iterations ?? (quick ? 2000 : 20_000));
/** Calls per batch-timed run (mean without timer overhead). */
const BATCH = ITERATIONS * 2;
const WARMUP = Math.max(ITERATIONS, 5000);

const log = (msg: string): void => {
  process.stderr.write(`[authz ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

// ---------------------------------------------------------------------------------------------
// Policy generation (seeded).

/** mulberry32: a small deterministic PRNG so every run benchmarks the same policy. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(20261126);
const int = (n: number): number => Math.floor(rand() * n);
function pick<T>(xs: readonly T[]): T {
  const x = xs[int(xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

const NAMESPACES = Array.from({ length: 50 }, (_, i) => `team-${pad(i)}`);
const ROLES_PER_NS = 20;
const BINDINGS_PER_NS = 20;
const USERS = 400;
const GROUPS = 150;
const SAS_PER_NS = 10;

/** API groups and resources the generated rules draw from (core, built-in and CRD groups). */
const CATALOG: readonly [string, readonly string[]][] = [
  [
    '',
    [
      'pods',
      'pods/log',
      'pods/exec',
      'services',
      'configmaps',
      'secrets',
      'persistentvolumeclaims',
      'events',
      'serviceaccounts',
      'endpoints',
    ],
  ],
  ['apps', ['deployments', 'deployments/scale', 'statefulsets', 'daemonsets', 'replicasets']],
  ['batch', ['jobs', 'cronjobs']],
  ['networking.k8s.io', ['ingresses', 'networkpolicies']],
  ['example.com', ['widgets', 'gadgets', 'widgets/status']],
  ['monitoring.coreos.com', ['servicemonitors', 'prometheusrules']],
];
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete'];

function randomRule(): PolicyRule {
  const [group, resources] = pick(CATALOG);
  const chosen = new Set<string>();
  const n = 1 + int(3);
  for (let i = 0; i < n; i++) chosen.add(pick(resources));
  const v = rand();
  const verbs = v < 0.5 ? READ : v < 0.9 ? [...READ, ...WRITE] : ['*'];
  const rule: PolicyRule = { apiGroups: [group], resources: [...chosen].sort(), verbs };
  if (rand() < 0.15) rule.resourceNames = [`obj-${String(int(20))}`];
  return rule;
}

const userSubject = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: 'User', name });
const groupSubject = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: 'Group', name });
const saSubject = (namespace: string, name: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  namespace,
});

function randomSubject(ns: string): Subject {
  const k = rand();
  if (k < 0.4) return userSubject(`user-${String(int(USERS))}`);
  if (k < 0.7) return groupSubject(`group-${String(int(GROUPS))}`);
  // Mostly the binding's own namespace; sometimes a service account of another namespace.
  const saNs = rand() < 0.9 ? ns : pick(NAMESPACES);
  return saSubject(saNs, `sa-${String(int(SAS_PER_NS))}`);
}

function randomSubjects(ns: string): Subject[] {
  return Array.from({ length: 1 + int(4) }, () => randomSubject(ns));
}

interface Policy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
  roles: Role[];
  roleBindings: RoleBinding[];
}

const CUSTOM_CLUSTER_ROLES = 60;
const CUSTOM_CLUSTER_ROLE_BINDINGS = 100;

function generatePolicy(): Policy {
  const clusterRoles = bootstrapClusterRoles();
  const clusterRoleBindings = bootstrapClusterRoleBindings();
  const roles = bootstrapRoles();
  const roleBindings = bootstrapRoleBindings();
  const bootstrapClusterRoleCount = clusterRoles.length;
  const bootstrapCrbCount = clusterRoleBindings.length;

  const aggregateTo = ['view', 'edit', 'admin'];
  for (let i = 0; i < CUSTOM_CLUSTER_ROLES; i++) {
    const labels: Record<string, string> = { app: 'custom' };
    // The first 20 are CRD-style roles aggregated into the user-facing roles.
    if (i < 20)
      labels[`rbac.authorization.k8s.io/aggregate-to-${aggregateTo[i % 3] ?? ''}`] = 'true';
    clusterRoles.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `cr-${pad(i)}`, labels },
      rules: Array.from({ length: 2 + int(5) }, randomRule),
    });
  }
  // The aggregation controller's result: repeat until no aggregated role changes (edit feeds
  // admin, view feeds edit).
  for (let pass = 0; pass < 5; pass++) {
    let changed = false;
    for (const cr of clusterRoles) {
      const rules = aggregateClusterRole(cr, clusterRoles);
      if (rules !== undefined && rules.length !== (cr.rules?.length ?? 0)) {
        cr.rules = rules;
        changed = true;
      }
    }
    if (!changed) break;
  }

  const clusterRoleNames = [
    'view',
    'edit',
    'admin',
    ...Array.from({ length: CUSTOM_CLUSTER_ROLES }, (_, i) => `cr-${pad(i)}`),
  ];
  for (let i = 0; i < CUSTOM_CLUSTER_ROLE_BINDINGS; i++) {
    clusterRoleBindings.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `crb-${pad(i, 3)}` },
      // Cluster-wide grants are view or custom roles; edit/admin are granted per namespace.
      roleRef: {
        apiGroup: RBAC_GROUP,
        kind: 'ClusterRole',
        name: pick(clusterRoleNames.filter((n) => n !== 'edit' && n !== 'admin')),
      },
      subjects: randomSubjects(pick(NAMESPACES)),
    });
  }

  for (const [n, ns] of NAMESPACES.entries()) {
    // role-00 is the app role every namespace has (anchored so the mix's expectations hold).
    roles.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'role-00', namespace: ns },
      rules: [
        { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: READ },
        { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      ],
    });
    for (let i = 1; i < ROLES_PER_NS; i++) {
      roles.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: `role-${pad(i)}`, namespace: ns },
        rules: Array.from({ length: 2 + int(5) }, randomRule),
      });
    }
    const binding = (name: string, roleRef: RoleBinding['roleRef'], subjects: Subject[]) => {
      roleBindings.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: ns },
        roleRef,
        subjects,
      });
    };
    // Anchors: the team's group gets edit, the app service account gets role-00.
    binding('rb-00', { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'edit' }, [
      groupSubject(`${ns}-devs`),
    ]);
    binding('rb-01', { apiGroup: RBAC_GROUP, kind: 'Role', name: 'role-00' }, [
      saSubject(ns, 'app'),
    ]);
    for (let i = 2; i < BINDINGS_PER_NS; i++) {
      let roleRef: RoleBinding['roleRef'];
      if (i === 2 && n % 10 === 0) {
        // A few dangling references (their Role was deleted): the error-collecting path.
        roleRef = { apiGroup: RBAC_GROUP, kind: 'Role', name: 'deleted-role' };
      } else if (rand() < 0.2) {
        roleRef = { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: pick(clusterRoleNames) };
      } else {
        roleRef = {
          apiGroup: RBAC_GROUP,
          kind: 'Role',
          name: `role-${pad(int(ROLES_PER_NS))}`,
        };
      }
      binding(`rb-${pad(i)}`, roleRef, randomSubjects(ns));
    }
  }
  log(
    `policy: ${String(clusterRoles.length)} ClusterRoles (${String(bootstrapClusterRoleCount)} bootstrap), ` +
      `${String(clusterRoleBindings.length)} ClusterRoleBindings (${String(bootstrapCrbCount)} bootstrap), ` +
      `${String(roles.length)} Roles, ${String(roleBindings.length)} RoleBindings`,
  );
  return { clusterRoles, clusterRoleBindings, roles, roleBindings };
}

// ---------------------------------------------------------------------------------------------
// The request mix.

const authenticated = 'system:authenticated';
const saUser = (ns: string, name: string): UserInfo => ({
  username: `system:serviceaccount:${ns}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, authenticated],
});

/** A developer in 30 groups (some bound somewhere) plus their team's group. */
const alice: UserInfo = {
  username: 'alice',
  groups: [
    ...Array.from({ length: 30 }, (_, i) => `group-${String(i * 5)}`),
    'team-03-devs',
    authenticated,
  ],
};
/** A user of a large directory: 200 groups, 150 of them bound somewhere in the policy. */
const bigcorp: UserInfo = {
  username: 'user-399',
  groups: [
    ...Array.from({ length: GROUPS }, (_, i) => `group-${String(i)}`),
    ...Array.from({ length: 49 }, (_, i) => `ldap-unbound-${String(i)}`),
    authenticated,
  ],
};
const nobody: UserInfo = { username: 'nobody', groups: [authenticated] };
const anonymous: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const masters: UserInfo = {
  username: 'kubernetes-admin',
  groups: ['system:masters', authenticated],
};
const appSa = saUser('team-05', 'app');
const controllerSa = saUser('kube-system', 'deployment-controller');
const scheduler: UserInfo = { username: 'system:kube-scheduler', groups: [authenticated] };

interface Case {
  name: string;
  expect: Exclude<DecisionKind, 'deny'>;
  attrs: AuthorizationAttributes;
}

function res(
  user: UserInfo,
  verb: string,
  group: string,
  resource: string,
  namespace = '',
  extra: Partial<AuthorizationAttributes> = {},
): AuthorizationAttributes {
  return {
    user,
    verb,
    resourceRequest: true,
    namespace,
    apiGroup: group,
    apiVersion: 'v1',
    resource,
    ...extra,
  };
}
const nonRes = (user: UserInfo, verb: string, path: string): AuthorizationAttributes => ({
  user,
  verb,
  resourceRequest: false,
  path,
});

const CASES: Case[] = [
  {
    name: 'dev (32 groups): create deployments in own ns',
    expect: 'allow',
    attrs: res(alice, 'create', 'apps', 'deployments', 'team-03'),
  },
  {
    name: 'dev (32 groups): get pods/log in own ns',
    expect: 'allow',
    attrs: res(alice, 'get', '', 'pods', 'team-03', { subresource: 'log', name: 'web-1' }),
  },
  {
    name: 'dev (32 groups): create rolebindings in own ns',
    expect: 'no-opinion',
    attrs: res(alice, 'create', RBAC_GROUP, 'rolebindings', 'team-03'),
  },
  {
    name: 'dev (32 groups): delete secrets in other ns',
    expect: 'no-opinion',
    attrs: res(alice, 'delete', '', 'secrets', 'team-40', { name: 'db' }),
  },
  {
    name: 'dev (32 groups): delete nodes (cluster)',
    expect: 'no-opinion',
    attrs: res(alice, 'delete', '', 'nodes', '', { name: 'node-1' }),
  },
  {
    name: 'dev (200 groups): list persistentvolumes (cluster)',
    expect: 'no-opinion',
    attrs: res(bigcorp, 'list', '', 'persistentvolumes'),
  },
  {
    name: 'dev (200 groups): escalate roles in a ns',
    expect: 'no-opinion',
    attrs: res(bigcorp, 'escalate', RBAC_GROUP, 'roles', 'team-10'),
  },
  {
    name: 'app SA: get secrets in own ns',
    expect: 'allow',
    attrs: res(appSa, 'get', '', 'secrets', 'team-05', { name: 'db' }),
  },
  {
    name: 'app SA: create pods in own ns',
    expect: 'no-opinion',
    attrs: res(appSa, 'create', '', 'pods', 'team-05'),
  },
  {
    name: 'controller SA: update replicasets (ClusterRoleBinding)',
    expect: 'allow',
    attrs: res(controllerSa, 'update', 'apps', 'replicasets', 'team-07', { name: 'web-abc' }),
  },
  {
    name: 'controller SA: create secrets',
    expect: 'no-opinion',
    attrs: res(controllerSa, 'create', '', 'secrets', 'team-07'),
  },
  {
    name: 'scheduler: create pods/binding',
    expect: 'allow',
    attrs: res(scheduler, 'create', '', 'pods', 'team-11', { subresource: 'binding', name: 'p' }),
  },
  {
    name: 'authenticated user: get /healthz',
    expect: 'allow',
    attrs: nonRes(nobody, 'get', '/healthz'),
  },
  {
    name: 'authenticated user: get /apis/apps/v1 (discovery)',
    expect: 'allow',
    attrs: nonRes(nobody, 'get', '/apis/apps/v1'),
  },
  {
    name: 'authenticated user: get /metrics',
    expect: 'no-opinion',
    attrs: nonRes(nobody, 'get', '/metrics'),
  },
  {
    name: 'authenticated user: list pods in a ns',
    expect: 'no-opinion',
    attrs: res(nobody, 'list', '', 'pods', 'team-01'),
  },
  {
    name: 'anonymous: get /version',
    expect: 'allow',
    attrs: nonRes(anonymous, 'get', '/version'),
  },
  {
    name: 'anonymous: list namespaces',
    expect: 'no-opinion',
    attrs: res(anonymous, 'list', '', 'namespaces'),
  },
  {
    name: 'system:masters: delete nodes (contrast)',
    expect: 'allow',
    attrs: res(masters, 'delete', '', 'nodes', '', { name: 'node-1' }),
  },
];

// ---------------------------------------------------------------------------------------------
// Measurement helpers.

interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Summary of samples (any unit). */
function summarize(samples: Float64Array | number[]): Summary {
  const s = Float64Array.from(samples).sort();
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  let sum = 0;
  for (const x of s) sum += x;
  return {
    count: s.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: s[s.length - 1] ?? 0,
    mean: s.length === 0 ? 0 : sum / s.length,
  };
}

/** Results are folded into this so no call can be optimised away. */
let sink = 0;

/** Per-call times in µs of `n` single-timed calls. */
function timeEach(n: number, fn: () => unknown): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = fn();
    const t1 = process.hrtime.bigint();
    out[i] = Number(t1 - t0) / 1000;
    if (r === undefined) sink++;
  }
  return out;
}

/**
 * Mean µs per call of `n` calls timed together: wall clock, and the process's CPU time (user +
 * system, GC threads included). CPU time is what a call costs even when other processes
 * preempt this one, so it is the fair mean on a shared machine.
 */
function timeBatch(n: number, fn: () => unknown): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (fn() === undefined) sink++;
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / n;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / n };
}

interface Measured {
  /** Single-timed calls pooled over the runs (µs). */
  perCall: Summary;
  /** Batch-timed mean per call (µs, no per-call timer), process CPU time: median of the runs. */
  batchCpuUs: Spread;
  /** The same batches by wall clock (inflated when other processes take the CPU). */
  batchWallUs: Spread;
}

function measure(fn: () => unknown, iterations = ITERATIONS, runs = RUNS): Measured {
  for (let i = 0; i < WARMUP; i++) if (fn() === undefined) sink++;
  const samples: Float64Array[] = [];
  const batch: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < runs; r++) {
    samples.push(timeEach(iterations, fn));
    batch.push(timeBatch(iterations * 2, fn));
  }
  const all = new Float64Array(samples.reduce((n, s) => n + s.length, 0));
  let off = 0;
  for (const s of samples) {
    all.set(s, off);
    off += s.length;
  }
  return {
    perCall: summarize(all),
    batchCpuUs: spread(batch.map((b) => b.cpu)),
    batchWallUs: spread(batch.map((b) => b.wall)),
  };
}

interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

function spread(xs: number[]): Spread {
  return { median: summarize(xs).p50, min: Math.min(...xs), max: Math.max(...xs), runs: xs };
}

/** A callable gc(), without needing --expose-gc on the command line. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('could not expose gc');
  return () => {
    for (let i = 0; i < 3; i++) (gc as () => void)();
  };
}

const fmt = (n: number): string =>
  n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3);

// ---------------------------------------------------------------------------------------------
// Benchmarks.

interface CaseResult {
  name: string;
  decision: DecisionKind;
  applicableBindings: number;
  applicableRules: number;
  authorize: Measured;
}

function benchAuthorize(authz: RbacAuthorizer): { cases: CaseResult[]; mix: Measured } {
  const cases: CaseResult[] = [];
  for (const c of CASES) {
    if (only !== undefined && !only.test(c.name)) continue;
    const d = authz.authorize(c.attrs);
    if (d.decision !== c.expect) {
      throw new Error(`case ${c.name}: decision ${d.decision} (${d.reason}), want ${c.expect}`);
    }
    // How much of the policy applies to this user: bindings naming them and their rules (a
    // denied request evaluates all of these; an allowed one stops at the first match).
    const bindings = new Set<object>();
    let rules = 0;
    authz.visitRulesFor(c.attrs.user, c.attrs.namespace ?? '', (src) => {
      if (src !== undefined) bindings.add(src.binding);
      rules++;
      return true;
    });
    const attrs = c.attrs;
    const m = measure(() => authz.authorize(attrs));
    log(`${c.name}: p50 ${fmt(m.perCall.p50)} µs, mean ${fmt(m.perCall.mean)} µs`);
    cases.push({
      name: c.name,
      decision: d.decision,
      applicableBindings: bindings.size,
      applicableRules: rules,
      authorize: m,
    });
  }
  // The mix: every case in turn, so branch predictors and caches see varied requests.
  let i = 0;
  const mix = measure(() => {
    const c = CASES[i++ % CASES.length];
    return c === undefined ? undefined : authz.authorize(c.attrs);
  });
  log(`mix: p50 ${fmt(mix.perCall.p50)} µs, mean ${fmt(mix.perCall.mean)} µs`);
  return { cases, mix };
}

interface RebuildResult {
  scenario: string;
  firstRequest: Summary;
  steadyStateUs: number;
  rebuildUs: number;
}

/**
 * First request after a binding change, minus the same request warm. The change re-puts an
 * existing binding (same content), which bumps the revision exactly as a real update does.
 */
function benchRebuild(
  source: MemoryRbacSource,
  policy: Policy,
  authz: RbacAuthorizer,
): RebuildResult[] {
  const crb = policy.clusterRoleBindings.at(-1);
  const rb = policy.roleBindings.find((b) => b.metadata?.namespace === 'team-03');
  if (crb === undefined || rb === undefined) throw new Error('no binding to re-put');
  const reps = quick ? 50 : 300;
  const clusterReq = res(alice, 'delete', '', 'nodes', '', { name: 'node-1' });
  const nsReq = res(alice, 'create', RBAC_GROUP, 'rolebindings', 'team-03');
  const allNs = [...NAMESPACES, 'kube-system', 'kube-public'].map((ns) =>
    res(alice, 'list', '', 'pods', ns),
  );
  const scenarios: [string, () => void, () => unknown][] = [
    [
      'ClusterRoleBinding changed → cluster index (cluster-scoped request)',
      () => {
        source.putClusterRoleBinding(crb);
      },
      () => authz.authorize(clusterReq),
    ],
    [
      'RoleBinding changed → cluster + 1 namespace index (namespaced request)',
      () => {
        source.putRoleBinding(rb);
      },
      () => authz.authorize(nsReq),
    ],
    [
      'any binding changed → cluster + all 52 namespace indexes (one request per ns)',
      () => {
        source.putRoleBinding(rb);
      },
      () => {
        for (const a of allNs) authz.authorize(a);
        return allNs.length;
      },
    ],
  ];
  const out: RebuildResult[] = [];
  for (const [scenario, bump, request] of scenarios) {
    const steady = measure(request, quick ? 500 : 2000, 3).perCall.p50;
    const samples: number[] = [];
    for (let i = 0; i < reps + 20; i++) {
      bump();
      const t0 = process.hrtime.bigint();
      if (request() === undefined) sink++;
      const t = Number(process.hrtime.bigint() - t0) / 1000;
      if (i >= 20) samples.push(t); // the first few warm up the index-building code
    }
    const first = summarize(samples);
    out.push({
      scenario,
      firstRequest: first,
      steadyStateUs: steady,
      rebuildUs: first.p50 - steady,
    });
    log(`${scenario}: first request p50 ${fmt(first.p50)} µs (steady ${fmt(steady)} µs)`);
  }
  return out;
}

interface MemoryResult {
  policyHeapMiB: number;
  indexHeapKiB: number;
  authorizersMeasured: number;
  samplesKiB: number[];
}

function benchMemory(
  gc: () => void,
  source: MemoryRbacSource,
): Omit<MemoryResult, 'policyHeapMiB'> {
  const k = 10;
  const namespaces = [...NAMESPACES, 'kube-system', 'kube-public'];
  const samples: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const keep: RbacAuthorizer[] = [];
    for (let i = 0; i < k; i++) keep.push(new RbacAuthorizer(source));
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const a of keep) {
      for (const ns of namespaces) a.authorize(res(nobody, 'get', '', 'pods', ns));
    }
    gc();
    const after = process.memoryUsage().heapUsed;
    samples.push((after - before) / k / 1024);
    sink += keep.length;
  }
  samples.sort((a, b) => a - b);
  return { indexHeapKiB: samples[1] ?? 0, authorizersMeasured: k, samplesKiB: samples };
}

interface OtherResult {
  name: string;
  measured: Measured;
}

function benchForbidden(): OtherResult[] {
  const out: OtherResult[] = [];
  const denied = CASES.filter((c) => c.expect === 'no-opinion');
  let i = 0;
  const next = (): AuthorizationAttributes => {
    const c = denied[i++ % denied.length];
    if (c === undefined) throw new Error('no denied case');
    return c.attrs;
  };
  out.push({
    name: `forbiddenMessage (${String(denied.length)} denied cases in turn)`,
    measured: measure(() => forbiddenMessage(next())),
  });
  out.push({
    name: 'forbiddenError (message + StatusError, incl. Error stack capture)',
    measured: measure(() =>
      forbiddenError(next(), 'RBAC: role.rbac.authorization.k8s.io "x" not found'),
    ),
  });
  return out;
}

function benchRulesFor(
  authz: RbacAuthorizer,
): (OtherResult & { resourceRules: number; nonResourceRules: number })[] {
  const cases: [string, UserInfo, string][] = [
    ['dev (32 groups) in own ns', alice, 'team-03'],
    ['dev (200 groups) in a ns', bigcorp, 'team-10'],
    ['app SA in own ns', appSa, 'team-05'],
    ['controller SA in a ns', controllerSa, 'team-07'],
    ['authenticated user, cluster scope', nobody, ''],
    ['system:masters, cluster scope', masters, ''],
  ];
  return cases.map(([name, user, ns]) => {
    const status = authz.rulesFor(user, ns);
    const measured = measure(() => authz.rulesFor(user, ns), Math.ceil(ITERATIONS / 10));
    log(`rulesFor ${name}: p50 ${fmt(measured.perCall.p50)} µs`);
    return {
      name,
      measured,
      resourceRules: status.resourceRules.length,
      nonResourceRules: status.nonResourceRules.length,
    };
  });
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
    loadavg: loadavg(),
  };
}

interface Results {
  machine: Record<string, unknown>;
  started: string;
  finished?: string;
  settings: Record<string, unknown>;
  policy: Record<string, number>;
  timerOverheadUs: Summary;
  authorize?: { cases: CaseResult[]; mix: Measured };
  rebuild?: RebuildResult[];
  memory?: MemoryResult;
  forbidden?: OtherResult[];
  rulesFor?: (OtherResult & { resourceRules: number; nonResourceRules: number })[];
  loadavgAtEnd?: number[];
}

function report(r: Results): string {
  const m = r.machine;
  const la = (xs: unknown): string =>
    Array.isArray(xs) ? xs.map((x) => (typeof x === 'number' ? x.toFixed(2) : '')).join(' / ') : '';
  const lines: string[] = [];
  lines.push(
    `Machine: ${String(m['cpuModel'])} × ${String(m['cpus'])}, ${String(m['memGiB'])} GiB, ${String(m['os'])}, Node ${String(m['node'])}; ` +
      `load average ${la(m['loadavg'])} at start, ${la(r.loadavgAtEnd)} at end.`,
    '',
    `Policy: ${Object.entries(r.policy)
      .map(([k, v]) => `${String(v)} ${k}`)
      .join(', ')}.`,
    '',
    `Per-call figures are single calls timed with process.hrtime.bigint, ${String(r.settings['runs'])} runs × ${String(r.settings['iterations'])} calls after ${String(r.settings['warmup'])} warm-up calls; ` +
      `the timer pair itself costs p50 ${fmt(r.timerOverheadUs.p50)} µs (included); p50, p99 and mean are over all those calls (GC pauses and preemption included). ` +
      `"CPU µs/call" is process CPU time (user + system, GC threads included) of batches of ${String(r.settings['batch'])} calls without a per-call timer, median of the runs: ` +
      'the mean cost unaffected by other processes taking the CPU (wall-clock batches are in the JSON).',
    '',
    '| request | decision | bindings / rules applying to the user | p50 µs | p99 µs | mean µs | CPU µs/call |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  const row = (x: Measured): string =>
    `${fmt(x.perCall.p50)} | ${fmt(x.perCall.p99)} | ${fmt(x.perCall.mean)} | ${fmt(x.batchCpuUs.median)}`;
  for (const c of r.authorize?.cases ?? []) {
    lines.push(
      `| ${c.name} | ${c.decision === 'allow' ? 'allow' : 'denied (no opinion)'} | ${String(c.applicableBindings)} / ${String(c.applicableRules)} | ${row(c.authorize)} |`,
    );
  }
  if (r.authorize !== undefined) {
    lines.push(
      `| **mix of all ${String(CASES.length)} cases in turn** | | | ${row(r.authorize.mix)} |`,
    );
  }
  lines.push(
    '',
    '| index rebuild after a binding change | first request p50 µs | p99 µs | same request warm, p50 µs | rebuild ≈ µs |',
    '| --- | ---: | ---: | ---: | ---: |',
  );
  for (const b of r.rebuild ?? []) {
    lines.push(
      `| ${b.scenario} | ${fmt(b.firstRequest.p50)} | ${fmt(b.firstRequest.p99)} | ${fmt(b.steadyStateUs)} | ${fmt(b.rebuildUs)} |`,
    );
  }
  if (r.memory !== undefined) {
    lines.push(
      '',
      `Heap: the policy objects ≈ ${r.memory.policyHeapMiB.toFixed(1)} MiB; a fully built subject index (cluster + 52 namespaces) retains ≈ ${r.memory.indexHeapKiB.toFixed(0)} KiB per authorizer ` +
        `(median of 3 heap deltas after GC over ${String(r.memory.authorizersMeasured)} authorizers: ${r.memory.samplesKiB.map((x) => x.toFixed(0)).join(', ')} KiB).`,
    );
  }
  lines.push(
    '',
    '| other call | p50 µs | p99 µs | mean µs | CPU µs/call |',
    '| --- | ---: | ---: | ---: | ---: |',
  );
  for (const f of r.forbidden ?? []) lines.push(`| ${f.name} | ${row(f.measured)} |`);
  for (const f of r.rulesFor ?? []) {
    lines.push(
      `| rulesFor (SSRR): ${f.name} → ${String(f.resourceRules)} resource + ${String(f.nonResourceRules)} non-resource rules | ${row(f.measured)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const gc = exposeGc();
  const results: Results = {
    machine: machine(),
    started: new Date().toISOString(),
    settings: { quick, runs: RUNS, iterations: ITERATIONS, batch: BATCH, warmup: WARMUP },
    policy: {},
    timerOverheadUs: summarize(timeEach(100_000, () => 0)),
  };

  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const policy = generatePolicy();
  const source = new MemoryRbacSource(policy);
  gc();
  const policyHeapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  const count = (xs: readonly { rules?: PolicyRule[] }[]): number =>
    xs.reduce((n, x) => n + (x.rules?.length ?? 0), 0);
  const subjects = (xs: readonly { subjects?: Subject[] }[]): number =>
    xs.reduce((n, x) => n + (x.subjects?.length ?? 0), 0);
  results.policy = {
    ClusterRoles: policy.clusterRoles.length,
    'ClusterRole rules': count(policy.clusterRoles),
    ClusterRoleBindings: policy.clusterRoleBindings.length,
    'ClusterRoleBinding subjects': subjects(policy.clusterRoleBindings),
    Roles: policy.roles.length,
    'Role rules': count(policy.roles),
    RoleBindings: policy.roleBindings.length,
    'RoleBinding subjects': subjects(policy.roleBindings),
    namespaces: NAMESPACES.length + 2,
  };

  const authz = new RbacAuthorizer(source);
  results.authorize = benchAuthorize(authz);
  if (only !== undefined) {
    process.stdout.write(report(results));
    return;
  }
  results.rebuild = benchRebuild(source, policy, authz);
  results.memory = { policyHeapMiB, ...benchMemory(gc, source) };
  results.forbidden = benchForbidden();
  results.rulesFor = benchRulesFor(authz);
  results.loadavgAtEnd = loadavg();
  results.finished = new Date().toISOString();
  results.settings['sink'] = sink;

  const outDir = join(import.meta.dirname, '..', 'results');
  mkdirSync(outDir, { recursive: true });
  const out =
    args.out ??
    join(outDir, `security-authz-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  log(`raw results: ${out}`);
  process.stdout.write(report(results));
}

main();

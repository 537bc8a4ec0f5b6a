/**
 * Pure helpers of the Deployment controller (upstream pkg/controller/deployment/util and the
 * ReplicaSet sorting/hash helpers of controller_utils.go): revisions and annotations, surge and
 * unavailability fenceposts, proportions, conditions, and the pod-template hash.
 */
import type { Deployment, DeploymentCondition, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { getScaledValueFromIntOrPercent } from '../../api/index.ts';
import { parseTime } from '../shared/index.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** The label that keeps the ReplicaSets of one Deployment apart (apps.DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** Upstream maxRevHistoryLengthInChars. */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;
const MAX_INT32 = 2147483647;

/** Condition reasons (upstream deploymentutil). */
export const Reasons = {
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  PausedDeploy: 'DeploymentPaused',
  ResumedDeploy: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

const SKIPPED_ANNOTATIONS = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO,
]);

/** spec.replicas of a Deployment or ReplicaSet (default 1). */
export const replicasOf = (o: Deployment | ReplicaSet): number => o.spec?.replicas ?? 1;

/** The revision annotation as a number; 0 when missing, NaN when unparsable. */
export function revision(rs: { metadata?: { annotations?: Record<string, string> } }): number {
  const v = rs.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : Number.NaN;
}

/** The highest revision among `rss` (unparsable ones skipped). */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revision(rs);
    if (!Number.isNaN(v) && v > max) max = v;
  }
  return max;
}

/** True when the deployment uses the RollingUpdate strategy (the default). */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/**
 * maxSurge and maxUnavailable resolved against `desired` (upstream ResolveFenceposts): surge
 * rounds up, unavailable rounds down, and both zero becomes unavailable 1. Defaults 25%/25%.
 */
export function resolveFenceposts(d: Deployment, desired: number): [number, number] {
  const ru = d.spec?.strategy?.rollingUpdate;
  const surge = getScaledValueFromIntOrPercent(ru?.maxSurge ?? '25%', desired, true);
  let unavailable = getScaledValueFromIntOrPercent(ru?.maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** upstream MaxSurge. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return resolveFenceposts(d, replicasOf(d))[0];
}

/** upstream MaxUnavailable (capped at the replicas). */
export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(resolveFenceposts(d, replicas)[1], replicas);
}

/** Mutable annotations of an object (created when missing). */
function annotationsOf(o: {
  metadata?: { annotations?: Record<string, string> };
}): Record<string, string> {
  o.metadata ??= {};
  o.metadata.annotations ??= {};
  return o.metadata.annotations;
}

/** Sets desired/max replicas annotations; true when changed (upstream SetReplicasAnnotations). */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = annotationsOf(rs);
  let updated = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    updated = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    updated = true;
  }
  return updated;
}

/** upstream ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(
  rs: ReplicaSet,
  desired: number,
  max: number,
): boolean {
  const a = rs.metadata?.annotations;
  return (
    a?.[DESIRED_REPLICAS_ANNOTATION] !== String(desired) ||
    a[MAX_REPLICAS_ANNOTATION] !== String(max)
  );
}

/**
 * Copies the deployment's annotations to the new RS and raises its revision to `newRevision`,
 * keeping the old revisions in revision-history (upstream SetNewReplicaSetAnnotations). Sets
 * the replicas annotations when `exists` is false. Returns true when annotations changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: string,
  exists: boolean,
  revHistoryLimitInChars = MAX_REV_HISTORY_LENGTH_IN_CHARS,
): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const oldRevision = a[REVISION_ANNOTATION];
  let oldInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) return false;
    oldInt = Number(oldRevision);
  }
  if (!/^[+-]?\d+$/.test(newRevision)) return false;
  const newInt = Number(newRevision);
  if (oldInt < newInt) {
    a[REVISION_ANNOTATION] = newRevision;
    changed = true;
  }
  if (oldRevision !== undefined && oldInt < newInt) {
    const history = a[REVISION_HISTORY_ANNOTATION] ?? '';
    const old = history.split(',');
    if ((old[0] ?? '').length === 0) {
      a[REVISION_HISTORY_ANNOTATION] = oldRevision;
    } else {
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > revHistoryLimitInChars && start < old.length) {
        total -= (old[start] ?? '').length + 1;
        start++;
      }
      if (total <= revHistoryLimitInChars) {
        a[REVISION_HISTORY_ANNOTATION] = [...old.slice(start), oldRevision].join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) {
    changed = true;
  }
  return changed;
}

/** Drops empty maps/arrays and undefined, sorts keys: Go's semantic equality, as a string. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

/**
 * True when the two templates are semantically equal ignoring the pod-template-hash label
 * (upstream EqualIgnoreHash; nil and empty maps/slices are equal, as apiequality.Semantic).
 */
export function equalIgnoreHash(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
): boolean {
  const strip = (t: PodTemplateSpec | undefined): unknown => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels !== undefined) {
      c.metadata.labels = Object.fromEntries(
        Object.entries(c.metadata.labels).filter(([k]) => k !== POD_TEMPLATE_HASH_LABEL),
      );
    }
    return canonical(c);
  };
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** upstream rand.SafeEncodeString: maps each byte to a vowel-free alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += ALPHANUMS[b % ALPHANUMS.length] ?? '';
  return out;
}

/** FNV-32a of `bytes`, continuing from `hash`. */
function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The pod-template hash (upstream controller.ComputeHash): FNV-32a over a deterministic
 * printing of the template, then the collision count as 8 little-endian bytes when set, the
 * decimal of the sum encoded with safeEncodeString. NOTE: upstream prints the Go struct with
 * go-spew; we print canonical JSON (sorted keys, empty values dropped), so names have
 * upstream's shape and stability but not upstream's exact values.
 */
export function computeHash(
  template: PodTemplateSpec | undefined,
  collisionCount?: number,
): string {
  let h = fnv32a(Buffer.from(JSON.stringify(canonical(template ?? {}) ?? {}), 'utf8'));
  if (collisionCount !== undefined) {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(collisionCount >>> 0, 0);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** upstream ReplicaSetsByCreationTimestamp.Less. */
export function rsCreatedBefore(a: ReplicaSet, b: ReplicaSet): boolean {
  const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ta === tb) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '');
  return ta < tb;
}

const cmp =
  (less: (a: ReplicaSet, b: ReplicaSet) => boolean) =>
  (a: ReplicaSet, b: ReplicaSet): number =>
    less(a, b) ? -1 : less(b, a) ? 1 : 0;

/** Oldest first. */
export const byCreationTimestamp = cmp(rsCreatedBefore);
/** Larger first; ties newer first (upstream ReplicaSetsBySizeNewer). */
export const bySizeNewer = cmp((a, b) =>
  replicasOf(a) === replicasOf(b) ? rsCreatedBefore(b, a) : replicasOf(a) > replicasOf(b),
);
/** Larger first; ties older first (upstream ReplicaSetsBySizeOlder). */
export const bySizeOlder = cmp((a, b) =>
  replicasOf(a) === replicasOf(b) ? rsCreatedBefore(a, b) : replicasOf(a) > replicasOf(b),
);
/** Lower revision first; ties by creation (upstream ReplicaSetsByRevision). */
export const byRevision = cmp((a, b) => {
  const ra = revision(a);
  const rb = revision(b);
  return ra === rb ? rsCreatedBefore(a, b) : ra < rb;
});

/** The new RS: the oldest whose template equals the deployment's (upstream FindNewReplicaSet). */
export function findNewReplicaSet(
  d: Deployment,
  rsList: readonly ReplicaSet[],
): ReplicaSet | undefined {
  return [...rsList]
    .sort(byCreationTimestamp)
    .find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every RS but the new one (upstream FindOldReplicaSets' second result). */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rsList);
  return rsList.filter((rs) => newRS === undefined || rs.metadata?.uid !== newRS.metadata?.uid);
}

/** ReplicaSets with replicas > 0 (upstream FilterActiveReplicaSets). */
export function filterActiveReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && replicasOf(rs) > 0);
}

/** Sum of spec.replicas. */
export const replicaCount = (rss: readonly (ReplicaSet | undefined)[]): number =>
  rss.reduce((n, rs) => n + (rs === undefined ? 0 : replicasOf(rs)), 0);
/** Sum of status.replicas. */
export const actualReplicaCount = (rss: readonly (ReplicaSet | undefined)[]): number =>
  rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
/** Sum of status.readyReplicas. */
export const readyReplicaCount = (rss: readonly (ReplicaSet | undefined)[]): number =>
  rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
/** Sum of status.availableReplicas. */
export const availableReplicaCount = (rss: readonly (ReplicaSet | undefined)[]): number =>
  rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

/** The only active RS, or the newest when none is active; undefined when several are active. */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const sorted = [...oldRSs].sort(byCreationTimestamp).reverse();
  const active = filterActiveReplicaSets([...sorted, newRS]);
  if (active.length === 0) return newRS ?? sorted[0];
  return active.length === 1 ? active[0] : undefined;
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/** The desired-replicas annotation, if valid. */
export const desiredReplicasAnnotation = (rs: ReplicaSet): number | undefined =>
  intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);

/** upstream GetProportion (with getReplicaSetFraction). */
export function getProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) {
    fraction = -replicasOf(rs);
  } else {
    const deploymentReplicas = replicasOf(d) + maxSurge(d);
    const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
    // Go's math.Round: half away from zero.
    const size = (replicasOf(rs) * deploymentReplicas) / annotated;
    fraction = Math.sign(size) * Math.round(Math.abs(size)) - replicasOf(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** upstream NewRSNewReplicas. */
export function newRSNewReplicas(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
): number {
  if (isRollingUpdate(d)) {
    const surge = getScaledValueFromIntOrPercent(
      d.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%',
      replicasOf(d),
      true,
    );
    const current = replicaCount(allRSs);
    const maxTotal = replicasOf(d) + surge;
    if (current >= maxTotal) return replicasOf(newRS);
    const up = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
    return replicasOf(newRS) + up;
  }
  if (d.spec?.strategy?.type === 'Recreate') return replicasOf(d);
  throw new Error(`deployment type ${d.spec?.strategy?.type ?? ''} isn't supported`);
}

/** upstream IsSaturated. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  return (
    replicasOf(rs) === replicasOf(d) &&
    desired === replicasOf(d) &&
    (rs.status?.availableReplicas ?? 0) === replicasOf(d)
  );
}

/** upstream HasProgressDeadline. */
export function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== MAX_INT32;
}

/** upstream HasRevisionHistoryLimit. */
export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const r = d.spec?.revisionHistoryLimit;
  return r !== undefined && r !== MAX_INT32;
}

/** A condition with both times `now` (upstream NewDeploymentCondition). */
export function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  now: string,
): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** The condition of `type`, if any. */
export function getCondition(
  conds: readonly DeploymentCondition[] | undefined,
  type: string,
): DeploymentCondition | undefined {
  return conds?.find((c) => c.type === type);
}

/**
 * Sets `c` in `conds` unless one with the same status and reason exists; keeps the old
 * lastTransitionTime when the status did not change (upstream SetDeploymentCondition).
 */
export function setCondition(
  conds: DeploymentCondition[],
  c: DeploymentCondition,
): DeploymentCondition[] {
  const cur = getCondition(conds, c.type);
  if (cur !== undefined && cur.status === c.status && cur.reason === c.reason) return conds;
  const next = { ...c };
  if (cur !== undefined && cur.status === c.status && cur.lastTransitionTime !== undefined) {
    next.lastTransitionTime = cur.lastTransitionTime;
  }
  return [...conds.filter((x) => x.type !== c.type), next];
}

/** `conds` without the condition of `type`. */
export function removeCondition(conds: DeploymentCondition[], type: string): DeploymentCondition[] {
  return conds.filter((c) => c.type !== type);
}

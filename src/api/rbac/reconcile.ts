/**
 * Reconciliation of the bootstrap RBAC objects with what is stored (upstream
 * component-helpers/auth/rbac/reconciliation computeReconciledRole / computeReconciledRoleBinding),
 * run by the API server at start with `removeExtra = false` (union mode: add what is missing,
 * keep what users added).
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type {
  AggregationRule,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import { covers } from './covers.ts';
import { goSemanticEqual } from './escalation.ts';
import { AUTO_UPDATE_ANNOTATION } from './types.ts';

/** What the reconciler would do with an object. */
export type ReconcileOperation = 'none' | 'create' | 'update' | 'recreate';

/** Result of {@link reconcileClusterRole} / {@link reconcileRole}. */
export interface ReconcileRoleResult<T> {
  /** The object to write (a fresh copy; the stored one when operation is 'none'). */
  role: T;
  missingRules: PolicyRule[];
  extraRules: PolicyRule[];
  missingAggregationRuleSelectors: LabelSelector[];
  operation: ReconcileOperation;
  /** The stored object has autoupdate "false": the caller must not write it. */
  protected: boolean;
}

/** Later maps win; undefined when every input is undefined (upstream merge). */
function merge(
  ...maps: (Readonly<Record<string, string>> | undefined)[]
): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const m of maps) {
    if (m === undefined) continue;
    out ??= {};
    Object.assign(out, m);
  }
  return out;
}

function mapsEqual(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  // reflect.DeepEqual: nil differs from an empty map; merge only yields nil when both are nil
  if (a === undefined || b === undefined) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] === a[k]);
}

function aggregationRuleCovers(
  owner: AggregationRule | undefined,
  servant: AggregationRule | undefined,
): LabelSelector[] {
  if (servant === undefined) return [];
  if (owner === undefined) return [...(servant.clusterRoleSelectors ?? [])];
  const ownerSel = owner.clusterRoleSelectors ?? [];
  return (servant.clusterRoleSelectors ?? []).filter(
    (s) => !ownerSel.some((o) => goSemanticEqual(o, s)),
  );
}

/**
 * Reconciles a stored ClusterRole (`existing`, undefined when absent) with the expected
 * bootstrap one. Absent → 'create' with the expected object. Otherwise labels and annotations
 * of `expected` are merged under the existing ones (existing values win), rules the existing
 * role does not cover are appended (or, with `removeExtra`, rules are replaced when they
 * differ), missing aggregation selectors are appended, and an aggregationRule that is not
 * expected is removed. `protected` reports autoupdate "false" on the stored object.
 */
export function reconcileClusterRole(
  existing: ClusterRole | undefined,
  expected: ClusterRole,
  removeExtra = false,
): ReconcileRoleResult<ClusterRole> {
  if (existing === undefined) {
    return {
      role: expected,
      missingRules: expected.rules ?? [],
      extraRules: [],
      missingAggregationRuleSelectors: expected.aggregationRule?.clusterRoleSelectors ?? [],
      operation: 'create',
      protected: false,
    };
  }
  const base = reconcileRules(
    existing,
    expected,
    removeExtra,
    existing.aggregationRule,
    expected.aggregationRule,
  );
  const role = base.role;
  const missingSel = aggregationRuleCovers(existing.aggregationRule, expected.aggregationRule);
  let operation = base.operation;
  if (expected.aggregationRule === undefined && existing.aggregationRule !== undefined) {
    delete role.aggregationRule;
    operation = 'update';
  } else if (!removeExtra && missingSel.length > 0) {
    role.aggregationRule = {
      clusterRoleSelectors: [...(role.aggregationRule?.clusterRoleSelectors ?? []), ...missingSel],
    };
    operation = 'update';
  } else if (removeExtra && missingSel.length > 0) {
    if (expected.aggregationRule === undefined) delete role.aggregationRule;
    else role.aggregationRule = structuredClone(expected.aggregationRule);
    operation = 'update';
  }
  return { ...base, role, operation, missingAggregationRuleSelectors: missingSel };
}

/** {@link reconcileClusterRole} for a namespaced Role (no aggregation). */
export function reconcileRole(
  existing: Role | undefined,
  expected: Role,
  removeExtra = false,
): ReconcileRoleResult<Role> {
  if (existing === undefined) {
    return {
      role: expected,
      missingRules: expected.rules ?? [],
      extraRules: [],
      missingAggregationRuleSelectors: [],
      operation: 'create',
      protected: false,
    };
  }
  return reconcileRules(existing, expected, removeExtra, undefined, undefined);
}

function reconcileRules<T extends Role | ClusterRole>(
  existing: T,
  expected: T,
  removeExtra: boolean,
  existingAgg: AggregationRule | undefined,
  expectedAgg: AggregationRule | undefined,
): ReconcileRoleResult<T> {
  const role = structuredClone(existing);
  const meta = (role.metadata ??= {});
  let operation: ReconcileOperation = 'none';
  const annotations = merge(expected.metadata?.annotations, existing.metadata?.annotations);
  if (annotations === undefined) delete meta.annotations;
  else meta.annotations = annotations;
  if (!mapsEqual(annotations, existing.metadata?.annotations)) operation = 'update';
  const labels = merge(expected.metadata?.labels, existing.metadata?.labels);
  if (labels === undefined) delete meta.labels;
  else meta.labels = labels;
  if (!mapsEqual(labels, existing.metadata?.labels)) operation = 'update';

  // extra rules are not computed when both the expected and the existing role are aggregated
  const extraRules =
    expectedAgg === undefined || existingAgg === undefined
      ? covers(expected.rules ?? [], existing.rules ?? []).uncoveredRules
      : [];
  const missingRules = covers(existing.rules ?? [], expected.rules ?? []).uncoveredRules;
  if (!removeExtra && missingRules.length > 0) {
    role.rules = [...(role.rules ?? []), ...missingRules];
    operation = 'update';
  } else if (removeExtra && (missingRules.length > 0 || extraRules.length > 0)) {
    role.rules = structuredClone(expected.rules ?? []);
    operation = 'update';
  }
  return {
    role,
    missingRules,
    extraRules,
    missingAggregationRuleSelectors: [],
    operation,
    protected: existing.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION] === 'false',
  };
}

/** Result of {@link reconcileClusterRoleBinding} / {@link reconcileRoleBinding}. */
export interface ReconcileBindingResult<T> {
  binding: T;
  missingSubjects: Subject[];
  extraSubjects: Subject[];
  operation: ReconcileOperation;
  protected: boolean;
}

function subjectEqual(a: Subject, b: Subject): boolean {
  return (
    a.kind === b.kind &&
    (a.apiGroup ?? '') === (b.apiGroup ?? '') &&
    a.name === b.name &&
    (a.namespace ?? '') === (b.namespace ?? '')
  );
}

/**
 * Reconciles a stored binding with the expected bootstrap one: absent → 'create'; a different
 * roleRef → 'recreate' with the expected object (roleRef is immutable: delete then create);
 * otherwise labels/annotations are merged (existing win) and missing subjects appended (or,
 * with `removeExtra`, subjects replaced when they differ).
 */
export function reconcileClusterRoleBinding<T extends ClusterRoleBinding | RoleBinding>(
  existing: T | undefined,
  expected: T,
  removeExtra = false,
): ReconcileBindingResult<T> {
  if (existing === undefined) {
    return {
      binding: expected,
      missingSubjects: expected.subjects ?? [],
      extraSubjects: [],
      operation: 'create',
      protected: false,
    };
  }
  const isProtected = existing.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION] === 'false';
  const e = existing.roleRef;
  const x = expected.roleRef;
  if (e.apiGroup !== x.apiGroup || e.kind !== x.kind || e.name !== x.name) {
    return {
      binding: expected,
      missingSubjects: [],
      extraSubjects: [],
      operation: 'recreate',
      protected: isProtected,
    };
  }
  const binding = structuredClone(existing);
  const meta = (binding.metadata ??= {});
  let operation: ReconcileOperation = 'none';
  const annotations = merge(expected.metadata?.annotations, existing.metadata?.annotations);
  if (annotations === undefined) delete meta.annotations;
  else meta.annotations = annotations;
  if (!mapsEqual(annotations, existing.metadata?.annotations)) operation = 'update';
  const labels = merge(expected.metadata?.labels, existing.metadata?.labels);
  if (labels === undefined) delete meta.labels;
  else meta.labels = labels;
  if (!mapsEqual(labels, existing.metadata?.labels)) operation = 'update';

  const have = existing.subjects ?? [];
  const want = expected.subjects ?? [];
  const missingSubjects = want.filter((s) => !have.some((h) => subjectEqual(h, s)));
  const extraSubjects = have.filter((s) => !want.some((w) => subjectEqual(w, s)));
  if (!removeExtra && missingSubjects.length > 0) {
    binding.subjects = [...have, ...missingSubjects];
    operation = 'update';
  } else if (removeExtra && (missingSubjects.length > 0 || extraSubjects.length > 0)) {
    binding.subjects = structuredClone(want);
    operation = 'update';
  }
  return { binding, missingSubjects, extraSubjects, operation, protected: isProtected };
}

/** {@link reconcileClusterRoleBinding} for RoleBindings (same rules). */
export const reconcileRoleBinding = reconcileClusterRoleBinding;

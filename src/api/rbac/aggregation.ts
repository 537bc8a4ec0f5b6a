/**
 * ClusterRole aggregation (upstream pkg/controller/clusterroleaggregation syncClusterRole):
 * the rules of an aggregated ClusterRole are the rules of every ClusterRole its selectors match.
 */
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { labelSelectorAsSelector } from '../labels.ts';
import { goSemanticEqual } from './escalation.ts';

/**
 * The rules the aggregation controller writes into `role`: for each clusterRoleSelector in
 * order, the ClusterRoles it matches sorted by name (skipping `role` itself), each of their
 * rules in order, keeping only the first of semantically equal rules. Returns undefined when
 * `role` has no aggregationRule (the controller leaves it alone). Throws LabelSelectorError for
 * an invalid selector (the controller retries it). The returned rules are the matched roles'
 * own objects: clone before mutating.
 */
export function aggregateClusterRole(
  role: ClusterRole,
  allClusterRoles: Iterable<ClusterRole>,
): PolicyRule[] | undefined {
  const agg = role.aggregationRule;
  if (agg === undefined) return undefined;
  const all = [...allClusterRoles];
  const name = role.metadata?.name ?? '';
  const rules: PolicyRule[] = [];
  for (const ls of agg.clusterRoleSelectors ?? []) {
    const selector = labelSelectorAsSelector(ls);
    const matched = all
      .filter((r) => selector.matches(r.metadata?.labels ?? {}))
      .sort((a, b) => compareGo(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    for (const r of matched) {
      if ((r.metadata?.name ?? '') === name) continue;
      for (const rule of r.rules ?? []) {
        if (!rules.some((have) => goSemanticEqual(have, rule))) rules.push(rule);
      }
    }
  }
  return rules;
}

/**
 * True when the aggregation controller would write: the computed rules differ (semantically,
 * so [] equals absent) from the role's current rules.
 */
export function aggregationNeedsUpdate(
  role: ClusterRole,
  computed: readonly PolicyRule[],
): boolean {
  return !goSemanticEqual(computed, role.rules ?? []);
}

function compareGo(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

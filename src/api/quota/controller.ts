// The quota controller's recount (upstream pkg/controller/resourcequota syncResourceQuota and
// apiserver/pkg/quota/v1 CalculateUsage + generic.CalculateUsageStats), as a pure function over
// the objects the controller lists.
import type { ResourceQuota, ResourceQuotaStatus } from 'kubernetes-types/core/v1.js';
import type { GroupResource } from '../errors.ts';
import { ZERO_QUANTITY } from '../quantity.ts';
import type { Quantity } from '../quantity.ts';
import type { JsonObject } from './attributes.ts';
import {
  builtinEvaluators,
  evaluatorFor,
  parseObjectCountResourceName,
  quotaScopeSelectors,
} from './evaluators.ts';
import type { QuotaEvaluator } from './evaluators.ts';
import {
  addResources,
  equalsResources,
  maskResources,
  resourceListFromWire,
  resourceListToWire,
} from './resources.ts';

/**
 * Lists the objects of one group/resource in the quota's namespace, or returns undefined when
 * that resource cannot be listed (not served, cache not synced): its quota names are then left
 * as they were, like upstream on a calculation error.
 */
export type QuotaObjectLister = (gr: GroupResource) => readonly JsonObject[] | undefined;

/** The outcome of {@link recalculateUsage}. */
export interface RecalculatedQuota {
  /** The new status: `hard` copied from spec.hard, `used` recounted (keys sorted). */
  readonly status: ResourceQuotaStatus;
  /** Whether the status differs from the stored one, i.e. whether a write is needed. */
  readonly changed: boolean;
  /** The group/resources that could not be listed (their usage was kept). */
  readonly unavailable: readonly GroupResource[];
}

/** The group/resources whose objects a quota's recount needs (to list or watch). */
export function quotaTrackedResources(quota: ResourceQuota): GroupResource[] {
  return evaluatorsForQuota(quota).map((e) => e.groupResource);
}

function evaluatorsForQuota(quota: ResourceQuota): QuotaEvaluator[] {
  const hardNames = Object.keys(quota.spec?.hard ?? {});
  const found = new Map<string, QuotaEvaluator>();
  const consider = (e: QuotaEvaluator | undefined): void => {
    if (e === undefined) return;
    const key = `${e.groupResource.resource}.${e.groupResource.group}`;
    if (!found.has(key) && e.matchingResources(hardNames).length > 0) found.set(key, e);
  };
  for (const e of builtinEvaluators()) consider(e);
  for (const n of hardNames) {
    const gr = parseObjectCountResourceName(n);
    if (gr !== undefined) consider(evaluatorFor(gr));
  }
  return [...found.values()];
}

/**
 * Recomputes a quota's status from the objects in its namespace: status.hard = spec.hard;
 * status.used = for every hard resource some evaluator tracks, the summed usage of the objects
 * matching the quota's scopes (zero when none), other used entries kept, then masked to the
 * hard names. Pure; `quota` is not modified. `now` (ms since epoch) feeds the pod grace rule.
 */
export function recalculateUsage(
  quota: ResourceQuota,
  list: QuotaObjectLister,
  now: number = Date.now(),
): RecalculatedQuota {
  const hard = resourceListFromWire(quota.spec?.hard);
  const hardNames = [...hard.keys()];
  const evaluators = evaluatorsForQuota(quota);
  const potential = new Set<string>();
  for (const e of evaluators) for (const r of e.matchingResources(hardNames)) potential.add(r);
  let matched = new Set(hardNames.filter((n) => potential.has(n)));

  const selectors = quotaScopeSelectors(quota);
  const unavailable: GroupResource[] = [];
  let newUsage = new Map<string, Quantity>();
  for (const e of evaluators) {
    const intersection = e.matchingResources(matched);
    if (intersection.length === 0) continue;
    const objects = list(e.groupResource);
    if (objects === undefined) {
      unavailable.push(e.groupResource);
      const drop = new Set(intersection);
      matched = new Set([...matched].filter((n) => !drop.has(n)));
      continue;
    }
    let used = new Map<string, Quantity>(intersection.map((n) => [n, ZERO_QUANTITY]));
    for (const obj of objects) {
      let inScope = true;
      for (const s of selectors) {
        let m: boolean;
        try {
          m = e.matchesScope(s, obj);
        } catch {
          // An invalid selector matches nothing (validation rejects such quotas anyway).
          m = false;
        }
        if (!m) {
          inScope = false;
          break;
        }
      }
      if (inScope) used = addResources(used, e.usage(obj, now));
    }
    newUsage = addResources(newUsage, used);
  }
  newUsage = maskResources(newUsage, matched);

  const oldUsed = resourceListFromWire(quota.status?.used);
  const merged = new Map(oldUsed);
  for (const [k, v] of newUsage) merged.set(k, v);
  const used = maskResources(merged, hardNames);

  const changed =
    !equalsResources(hard, resourceListFromWire(quota.status?.hard)) ||
    !equalsResources(used, oldUsed);
  return {
    status: { hard: resourceListToWire(hard), used: resourceListToWire(used) },
    changed,
    unavailable,
  };
}

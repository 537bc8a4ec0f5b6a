// ResourceQuota admission as pure functions (upstream
// apiserver/pkg/admission/plugin/resourcequota: admission.go Validate and controller.go
// CheckRequest). The server owns the compare-and-swap loop: it reads the namespace's quotas,
// calls checkQuotas, writes every returned quota's status with its resourceVersion as a
// precondition BEFORE persisting the object, and on a conflict re-reads just the quotas that
// failed and calls checkQuotas again with those. Since a quota's used never moves without a
// successful CAS, concurrent creates can never overshoot a hard limit.
import type { ResourceQuota, ScopedResourceSelectorRequirement } from 'kubernetes-types/core/v1.js';
import type { Status } from 'kubernetes-types/meta/v1.js';
import { StatusError } from '../errors.ts';
import type { Quantity } from '../quantity.ts';
import { admissionForbidden } from './attributes.ts';
import type { JsonObject, PluginAttributes } from './attributes.ts';
import {
  evaluatorFor,
  isQuotaIgnoredResource,
  quotaMatches,
  quotaScopeSelectors,
} from './evaluators.ts';
import type { QuotaEvaluator } from './evaluators.ts';
import {
  addResources,
  lessThanOrEqual,
  maskResources,
  negativeResources,
  prettyPrintResources,
  removeZeros,
  resourceListFromWire,
  resourceListToWire,
  subtractNonNegative,
} from './resources.ts';
import type { ResourceList } from './resources.ts';

/**
 * A resource that may only be consumed when a quota covers it (upstream resourcequota
 * Configuration.LimitedResources, from the admission configuration file).
 */
export interface LimitedResource {
  /** The API group ('' for core). */
  readonly apiGroup?: string;
  readonly resource: string;
  /** Quota resource names containing any of these substrings must be covered by a quota. */
  readonly matchContains?: readonly string[];
  /** Objects matching any of these scopes must be covered by a quota with that scope. */
  readonly matchScopes?: readonly ScopedResourceSelectorRequirement[];
}

/** Options for {@link checkQuotas}. */
export interface QuotaCheckOptions {
  /** The current time (ms since epoch) for the pod terminating-grace rule; default Date.now(). */
  readonly now?: number;
  readonly limitedResources?: readonly LimitedResource[];
}

/** What {@link checkQuotas} decided. */
export interface QuotaCheckResult {
  /**
   * New quota objects (deep copies of the inputs with `status.used` replaced, keys sorted) for
   * every quota whose usage this request changes, in input order. Write each through the
   * status subresource with its `metadata.resourceVersion` as a precondition before storing
   * the object. Empty when nothing is charged, or for a dry run (which is still checked).
   */
  readonly updated: ResourceQuota[];
}

/**
 * Whether ResourceQuota admission looks at this request at all (upstream Validate's early
 * returns plus the evaluator's Handles): main resource only, namespaced, not a namespace
 * creation, not an ignored resource, and an operation that can change usage. When false the
 * server need not even read the quotas.
 */
export function quotaAdmissionApplies(attrs: PluginAttributes): boolean {
  if (attrs.subresource !== '' || attrs.namespace === '') return false;
  if (attrs.resource.group === '' && attrs.resource.resource === 'namespaces') return false;
  if (isQuotaIgnoredResource(attrs.resource)) return false;
  const e = evaluatorFor(attrs.resource);
  return e !== undefined && e.handles(attrs);
}

/** A plain error turned into a Status the way upstream's ErrorToAPIStatus does (500). */
function unknownError(message: string): StatusError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    code: 500,
  };
  return new StatusError(status);
}

function hardOf(q: ResourceQuota): ResourceList {
  return resourceListFromWire(q.status?.hard);
}

/** Go's %v of a []ScopedResourceSelectorRequirement. */
function formatScopes(scopes: readonly ScopedResourceSelectorRequirement[]): string {
  return `[${scopes
    .map((s) => `{${s.scopeName} ${s.operator} [${(s.values ?? []).join(' ')}]}`)
    .join(' ')}]`;
}

function safeMatchesScope(
  e: QuotaEvaluator,
  sel: ScopedResourceSelectorRequirement,
  obj: JsonObject,
  quotaName: string | undefined,
): boolean {
  try {
    return e.matchesScope(sel, obj);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const inner = `error on matching scope {${sel.scopeName} ${sel.operator} [${(sel.values ?? []).join(' ')}]}: ${msg}`;
    throw unknownError(
      quotaName === undefined
        ? inner
        : `error matching scopes of quota ${quotaName}, err: ${inner}`,
    );
  }
}

function hasUsageStats(q: ResourceQuota, interesting: readonly string[]): boolean {
  const used = q.status?.used ?? {};
  const hard = q.status?.hard ?? {};
  for (const name of interesting) {
    if (Object.hasOwn(hard, name) && !Object.hasOwn(used, name)) return false;
  }
  return true;
}

function withUsed(q: ResourceQuota, used: ResourceList): ResourceQuota {
  const copy = structuredClone(q);
  copy.status = { ...(copy.status ?? {}), used: resourceListToWire(used) };
  return copy;
}

/**
 * Checks one create/update against the namespace's quotas (upstream CheckRequest) and returns
 * the quotas to write. Pure: neither `quotas` nor the request's objects are modified.
 *
 * Throws a StatusError: 403 Forbidden with upstream's messages (`exceeded quota: q, requested:
 * pods=1, used: pods=10, limited: pods=10`, `failed quota: q: must specify limits.cpu for: c;
 * requests.cpu for: c`, `status unknown for quota: q, resources: pods`, `insufficient quota to
 * consume: ...`), or 500 for an invalid scope selector.
 */
export function checkQuotas(
  quotas: readonly ResourceQuota[],
  attrs: PluginAttributes,
  opts: QuotaCheckOptions = {},
): QuotaCheckResult {
  const none: QuotaCheckResult = { updated: [] };
  if (!quotaAdmissionApplies(attrs)) return none;
  const evaluator = evaluatorFor(attrs.resource);
  const input = attrs.object;
  if (evaluator === undefined || input === undefined) return none;
  const now = opts.now ?? Date.now();
  const limited = opts.limitedResources ?? [];
  if (quotas.length === 0 && limited.length === 0) return none;

  // Scopes that configuration says must be covered, and the quota names that must be.
  const limitedScopes: ScopedResourceSelectorRequirement[] = [];
  for (const lr of limited) {
    for (const s of lr.matchScopes ?? []) {
      if (safeMatchesScope(evaluator, s, input, undefined)) limitedScopes.push(s);
    }
  }
  const limitedNames = new Set<string>();
  const limitedHere = limited.filter(
    (lr) => (lr.apiGroup ?? '') === attrs.resource.group && lr.resource === attrs.resource.resource,
  );
  if (limitedHere.length > 0) {
    const usage = evaluator.usage(input, now);
    for (const lr of limitedHere) {
      for (const [k, v] of usage) {
        if (v.sign() === 1 && (lr.matchContains ?? []).some((m) => k.includes(m))) {
          limitedNames.add(k);
        }
      }
    }
  }

  const interesting: number[] = [];
  const restrictedResources = new Set<string>();
  const restrictedScopeNames = new Set<string>();
  quotas.forEach((q, i) => {
    const name = q.metadata?.name ?? '';
    for (const s of quotaScopeSelectors(q)) {
      if (safeMatchesScope(evaluator, s, input, name)) restrictedScopeNames.add(s.scopeName);
    }
    if (!quotaMatches(evaluator, q, input)) return;
    const restricted = evaluator.matchingResources(Object.keys(q.status?.hard ?? {}));
    const failed = evaluator.constraints(restricted, input);
    if (failed !== undefined) {
      throw admissionForbidden(attrs, `failed quota: ${name}: ${failed}`);
    }
    if (!hasUsageStats(q, restricted)) {
      throw admissionForbidden(
        attrs,
        `status unknown for quota: ${name}, resources: ${[...restricted].sort().join(',')}`,
      );
    }
    interesting.push(i);
    for (const r of restricted) restrictedResources.add(r);
  });

  const inputUsage = evaluator.usage(input, now);
  const negative = negativeResources(inputUsage);
  if (negative.length > 0) {
    throw admissionForbidden(
      attrs,
      `quota usage is negative for resource(s): ${negative.join(',')}`,
    );
  }

  const deltaByIndex = new Map<number, ResourceList>();
  for (const i of interesting) deltaByIndex.set(i, inputUsage);
  let deltaWhenNone: ResourceList | undefined =
    attrs.operation === 'CREATE' && interesting.length === 0 ? inputUsage : undefined;

  if (attrs.operation === 'UPDATE') {
    const prev = attrs.oldObject;
    if (prev === undefined) {
      throw admissionForbidden(
        attrs,
        'unable to get previous usage since prior version of object was not found',
      );
    }
    const rv = (prev['metadata'] as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') {
      // A real update: charge only the growth, and only to quotas the old object was in.
      const delta = subtractNonNegative(inputUsage, evaluator.usage(prev, now));
      if (interesting.length === 0) deltaWhenNone = delta;
      for (const i of interesting) {
        const q = quotas[i];
        if (q !== undefined && quotaMatches(evaluator, q, prev)) deltaByIndex.set(i, delta);
      }
    } else if (interesting.length === 0) {
      deltaWhenNone = inputUsage;
    }
  }

  for (const [i, d] of deltaByIndex) {
    const nz = removeZeros(d);
    if (nz.size === 0) deltaByIndex.delete(i);
    else deltaByIndex.set(i, nz);
  }
  if (interesting.length !== 0) {
    if (deltaByIndex.size === 0) return none;
  } else if (deltaWhenNone === undefined || removeZeros(deltaWhenNone).size === 0) {
    return none;
  }

  const uncoveredNames = [...limitedNames].filter((n) => !restrictedResources.has(n)).sort();
  if (uncoveredNames.length > 0) {
    throw admissionForbidden(attrs, `insufficient quota to consume: ${uncoveredNames.join(',')}`);
  }
  const uncoveredScopes = limitedScopes.filter((s) => !restrictedScopeNames.has(s.scopeName));
  if (uncoveredScopes.length > 0) {
    throw unknownError(
      `insufficient quota to match these scopes: ${formatScopes(uncoveredScopes)}`,
    );
  }
  if (interesting.length === 0) return none;

  const updated: ResourceQuota[] = [];
  for (const i of interesting) {
    const q = quotas[i];
    const delta = deltaByIndex.get(i);
    if (q === undefined || delta === undefined) continue;
    const hard = hardOf(q);
    const used = resourceListFromWire(q.status?.used);
    const requested = maskResources(delta, hard.keys());
    const newUsage: Map<string, Quantity> = addResources(used, requested);
    const { allowed, exceeded } = lessThanOrEqual(maskResources(newUsage, requested.keys()), hard);
    if (!allowed) {
      throw admissionForbidden(
        attrs,
        `exceeded quota: ${q.metadata?.name ?? ''}, requested: ${prettyPrintResources(
          maskResources(requested, exceeded),
        )}, used: ${prettyPrintResources(maskResources(used, exceeded))}, limited: ${prettyPrintResources(
          maskResources(hard, exceeded),
        )}`,
      );
    }
    if (requested.size > 0) updated.push(withUsed(q, newUsage));
  }
  return attrs.dryRun === true ? none : { updated };
}

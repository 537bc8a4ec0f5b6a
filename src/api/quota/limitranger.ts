// LimitRanger admission as pure functions (upstream plugin/pkg/admission/limitranger): the
// mutating half fills container requests/limits from each LimitRange's Container defaults and
// records what it set in the `kubernetes.io/limit-ranger` annotation; the validating half
// enforces min, max and maxLimitRequestRatio for Container, Pod and PersistentVolumeClaim items.
import type {
  Container,
  LimitRange,
  PersistentVolumeClaim,
  Pod,
} from 'kubernetes-types/core/v1.js';
import { quantityFromJSON, Scale, ZERO_QUANTITY } from '../quantity.ts';
import type { Quantity } from '../quantity.ts';
import { admissionForbidden, aggregateMessages } from './attributes.ts';
import type { JsonObject, PluginAttributes } from './attributes.ts';
import { podLimits, podRequests } from './pod-resources.ts';
import { resourceListFromWire } from './resources.ts';
import type { ResourceList } from './resources.ts';

/** The annotation LimitRanger writes on pods it defaulted. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** int64 max / 1000: beyond this a milli value would overflow upstream's int64. */
const MAX_MILLI_VALUE = 9223372036854775n;

function isPod(attrs: PluginAttributes): boolean {
  return attrs.resource.group === '' && attrs.resource.resource === 'pods';
}

function isPVC(attrs: PluginAttributes): boolean {
  return attrs.resource.group === '' && attrs.resource.resource === 'persistentvolumeclaims';
}

/**
 * Whether LimitRanger looks at this request (upstream SupportsAttributes plus the
 * marked-for-deletion skip): pod creates and PVC creates/updates on the main resource, unless
 * the stored object is being deleted. When false the server need not read the LimitRanges.
 */
export function limitRangerApplies(attrs: PluginAttributes): boolean {
  if (attrs.subresource !== '') return false;
  if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return false;
  // Containers are immutable, so pod updates have nothing to default or check.
  if (isPod(attrs) && attrs.operation === 'UPDATE') return false;
  if (!isPod(attrs) && !isPVC(attrs)) return false;
  const oldMeta = attrs.oldObject?.['metadata'] as { deletionTimestamp?: unknown } | undefined;
  if (oldMeta?.deletionTimestamp !== undefined && oldMeta.deletionTimestamp !== null) return false;
  return attrs.object !== undefined;
}

type WireList = Record<string, string | number>;

/** One LimitRange's Container defaults (later items override earlier ones, as upstream). */
function containerDefaults(lr: LimitRange): { requests: WireList; limits: WireList } {
  const requests: WireList = {};
  const limits: WireList = {};
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest ?? {});
    Object.assign(limits, item.default ?? {});
  }
  return { requests, limits };
}

/** A default as upstream would marshal its copy: the quantity's canonical string. */
function wireQuantity(v: string | number | undefined): string {
  return quantityFromJSON(v ?? null).toString();
}

/** Fills a container's missing requests/limits in place; returns annotation fragments. */
function mergeContainer(
  c: Container,
  defaults: { requests: WireList; limits: WireList },
  label: string,
  out: string[],
): void {
  const setRequests: string[] = [];
  const setLimits: string[] = [];
  const limitKeys = Object.keys(defaults.limits);
  const requestKeys = Object.keys(defaults.requests);
  if (limitKeys.length === 0 && requestKeys.length === 0) return;
  const resources = (c.resources ??= {});
  for (const k of limitKeys) {
    const limits = (resources.limits ??= {});
    if (!Object.hasOwn(limits, k)) {
      limits[k] = wireQuantity(defaults.limits[k]);
      setLimits.push(k);
    }
  }
  for (const k of requestKeys) {
    const requests = (resources.requests ??= {});
    if (!Object.hasOwn(requests, k)) {
      requests[k] = wireQuantity(defaults.requests[k]);
      setRequests.push(k);
    }
  }
  if (resources.limits !== undefined && Object.keys(resources.limits).length === 0) {
    delete resources.limits;
  }
  if (resources.requests !== undefined && Object.keys(resources.requests).length === 0) {
    delete resources.requests;
  }
  if (setRequests.length > 0) {
    out.push(`${setRequests.sort().join(', ')} request for ${label} ${c.name}`);
  }
  if (setLimits.length > 0) out.push(`${setLimits.sort().join(', ')} limit for ${label} ${c.name}`);
}

/**
 * The mutating half (upstream Admit → PodMutateLimitFunc for every LimitRange in turn). Returns
 * a new pod with container and init-container defaults applied and the
 * `kubernetes.io/limit-ranger` annotation set (`LimitRanger plugin set: cpu, memory request for
 * container c; cpu limit for init container i`), or undefined when nothing changed. PVCs are
 * never mutated. `attrs.object` is not modified.
 */
export function admitLimitRanger(
  limitRanges: readonly LimitRange[],
  attrs: PluginAttributes,
): JsonObject | undefined {
  if (!limitRangerApplies(attrs) || !isPod(attrs) || limitRanges.length === 0) return undefined;
  let pod: Pod | undefined;
  for (const lr of limitRanges) {
    const defaults = containerDefaults(lr);
    if (Object.keys(defaults.limits).length === 0 && Object.keys(defaults.requests).length === 0) {
      continue;
    }
    pod ??= structuredClone(attrs.object) as Pod;
    const notes: string[] = [];
    for (const c of pod.spec?.containers ?? []) mergeContainer(c, defaults, 'container', notes);
    for (const c of pod.spec?.initContainers ?? []) {
      mergeContainer(c, defaults, 'init container', notes);
    }
    if (notes.length > 0) {
      const meta = (pod.metadata ??= {});
      (meta.annotations ??= {})[LIMIT_RANGER_ANNOTATION] =
        `LimitRanger plugin set: ${notes.join('; ')}`;
    }
  }
  if (pod === undefined) return undefined;
  return JSON.stringify(pod) === JSON.stringify(attrs.object)
    ? undefined
    : (pod as unknown as JsonObject);
}

/** Request, limit and enforced value at a common precision (upstream requestLimitEnforcedValues). */
function commonValues(
  req: Quantity,
  lim: Quantity,
  enforced: Quantity,
): { req: bigint; lim: bigint; enforced: bigint } {
  const r = req.scaledValue(0);
  const l = lim.scaledValue(0);
  const e = enforced.scaledValue(0);
  if (r <= MAX_MILLI_VALUE && l <= MAX_MILLI_VALUE && e <= MAX_MILLI_VALUE) {
    return {
      req: req.scaledValue(Scale.Milli),
      lim: lim.scaledValue(Scale.Milli),
      enforced: enforced.scaledValue(Scale.Milli),
    };
  }
  return { req: r, lim: l, enforced: e };
}

function minConstraint(
  limitType: string,
  name: string,
  enforced: Quantity,
  request: ResourceList,
  limit: ResourceList,
): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  const v = commonValues(req ?? ZERO_QUANTITY, lim ?? ZERO_QUANTITY, enforced);
  const e = enforced.toString();
  if (req === undefined) {
    return `minimum ${name} usage per ${limitType} is ${e}.  No request is specified`;
  }
  if (v.req < v.enforced) {
    return `minimum ${name} usage per ${limitType} is ${e}, but request is ${req.toString()}`;
  }
  if (lim !== undefined && v.lim < v.enforced) {
    return `minimum ${name} usage per ${limitType} is ${e}, but limit is ${lim.toString()}`;
  }
  return undefined;
}

function maxRequestConstraint(
  limitType: string,
  name: string,
  enforced: Quantity,
  request: ResourceList,
): string | undefined {
  const req = request.get(name);
  const v = commonValues(req ?? ZERO_QUANTITY, ZERO_QUANTITY, enforced);
  const e = enforced.toString();
  if (req === undefined) {
    return `maximum ${name} usage per ${limitType} is ${e}.  No request is specified`;
  }
  if (v.req > v.enforced) {
    return `maximum ${name} usage per ${limitType} is ${e}, but request is ${req.toString()}`;
  }
  return undefined;
}

function maxConstraint(
  limitType: string,
  name: string,
  enforced: Quantity,
  request: ResourceList,
  limit: ResourceList,
): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  const v = commonValues(req ?? ZERO_QUANTITY, lim ?? ZERO_QUANTITY, enforced);
  const e = enforced.toString();
  if (lim === undefined) {
    return `maximum ${name} usage per ${limitType} is ${e}.  No limit is specified`;
  }
  if (v.lim > v.enforced) {
    return `maximum ${name} usage per ${limitType} is ${e}, but limit is ${lim.toString()}`;
  }
  if (req !== undefined && v.req > v.enforced) {
    return `maximum ${name} usage per ${limitType} is ${e}, but request is ${req.toString()}`;
  }
  return undefined;
}

function ratioConstraint(
  limitType: string,
  name: string,
  enforced: Quantity,
  request: ResourceList,
  limit: ResourceList,
): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  const v = commonValues(req ?? ZERO_QUANTITY, lim ?? ZERO_QUANTITY, enforced);
  const e = enforced.toString();
  if (req === undefined || v.req === 0n) {
    return `${name} max limit to request ratio per ${limitType} is ${e}, but no request is specified or request is 0`;
  }
  if (lim === undefined || v.lim === 0n) {
    return `${name} max limit to request ratio per ${limitType} is ${e}, but no limit is specified or limit is 0`;
  }
  // Upstream compares in float64; reproduce it so borderline ratios decide the same way.
  let observed = Number(v.lim) / Number(v.req);
  const display = observed;
  let max = Number(enforced.scaledValue(0));
  if (enforced.scaledValue(0) <= MAX_MILLI_VALUE) {
    observed *= 1000;
    max = Number(enforced.scaledValue(Scale.Milli));
  }
  if (observed > max) {
    return `${name} max limit to request ratio per ${limitType} is ${e}, but provided ratio is ${display.toFixed(6)}`;
  }
  return undefined;
}

function checkAll(
  errs: string[],
  limitType: string,
  item: { min?: WireList; max?: WireList; maxLimitRequestRatio?: WireList },
  request: ResourceList,
  limit: ResourceList,
): void {
  for (const [k, v] of Object.entries(item.min ?? {})) {
    const m = minConstraint(limitType, k, quantityFromJSON(v), request, limit);
    if (m !== undefined) errs.push(m);
  }
  for (const [k, v] of Object.entries(item.max ?? {})) {
    const m = maxConstraint(limitType, k, quantityFromJSON(v), request, limit);
    if (m !== undefined) errs.push(m);
  }
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const m = ratioConstraint(limitType, k, quantityFromJSON(v), request, limit);
    if (m !== undefined) errs.push(m);
  }
}

/** Upstream PodValidateLimitFunc: the messages for one LimitRange, in item order. */
export function podLimitRangeViolations(lr: LimitRange, pod: Pod): string[] {
  const errs: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        checkAll(
          errs,
          item.type,
          item,
          resourceListFromWire(c.resources?.requests),
          resourceListFromWire(c.resources?.limits),
        );
      }
    }
    if (item.type === 'Pod') {
      const opts = { excludeOverhead: true };
      checkAll(errs, item.type, item, podRequests(pod, opts), podLimits(pod, opts));
    }
  }
  return errs;
}

/** Upstream PersistentVolumeClaimValidateLimitFunc: min/max on spec.resources.requests. */
export function pvcLimitRangeViolations(lr: LimitRange, pvc: PersistentVolumeClaim): string[] {
  const errs: string[] = [];
  const requests = resourceListFromWire(pvc.spec?.resources?.requests);
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of Object.entries(item.min ?? {})) {
      const m = minConstraint(item.type, k, quantityFromJSON(v), requests, new Map());
      if (m !== undefined) errs.push(m);
    }
    for (const [k, v] of Object.entries(item.max ?? {})) {
      const m = maxRequestConstraint(item.type, k, quantityFromJSON(v), requests);
      if (m !== undefined) errs.push(m);
    }
  }
  return errs;
}

/**
 * The validating half (upstream Validate): checks the (already defaulted) pod or PVC against
 * each LimitRange in turn and throws 403 Forbidden for the first one violated, its messages
 * aggregated as upstream prints them, e.g. `pods "p" is forbidden: [minimum cpu usage per
 * Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit
 * is 2Gi]`.
 */
export function validateLimitRanger(
  limitRanges: readonly LimitRange[],
  attrs: PluginAttributes,
): void {
  if (!limitRangerApplies(attrs) || attrs.object === undefined) return;
  for (const lr of limitRanges) {
    const errs = isPod(attrs)
      ? podLimitRangeViolations(lr, attrs.object)
      : pvcLimitRangeViolations(lr, attrs.object);
    if (errs.length > 0) throw admissionForbidden(attrs, aggregateMessages(errs));
  }
}

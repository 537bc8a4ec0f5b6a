// Resource lists and their arithmetic (upstream k8s.io/apiserver/pkg/quota/v1/resources.go).
// A ResourceList is held as a Map of exact Quantities so that quota sums never touch floating
// point; the wire form (`{ "requests.cpu": "500m" }`) is converted at the edges only.
import { newQuantity, quantityFromJSON, ZERO_QUANTITY } from '../quantity.ts';
import type { Quantity } from '../quantity.ts';

/** A resource name → quantity map (upstream corev1.ResourceList). Treat as immutable. */
export type ResourceList = ReadonlyMap<string, Quantity>;

/** The wire form of a resource list, as found in pods, quotas and limit ranges. */
export type WireResourceList = Readonly<Record<string, string | number>>;

const EMPTY: ResourceList = new Map();

/** The quantity `1` (DecimalSI), shared. */
export const ONE: Quantity = newQuantity(1, 'DecimalSI');

/**
 * Decodes a wire resource list (strings or JSON numbers). Absent → empty. Throws
 * QuantityParseError for a malformed quantity: callers pass objects that passed validation.
 */
export function resourceListFromWire(wire: WireResourceList | null | undefined): ResourceList {
  if (wire === undefined || wire === null) return EMPTY;
  const out = new Map<string, Quantity>();
  for (const [k, v] of Object.entries(wire)) out.set(k, quantityFromJSON(v));
  return out;
}

/**
 * Encodes a resource list for the wire with keys sorted, as Go's JSON encoder writes maps, so
 * that stored quota statuses are byte-stable.
 */
export function resourceListToWire(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) {
    const q = list.get(k);
    if (q !== undefined) out[k] = q.toString();
  }
  return out;
}

/** True when both lists have the same names with equal values (upstream Equals). */
export function equalsResources(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || v.cmp(w) !== 0) return false;
  }
  return true;
}

/** a + b per name; names in only one list are copied (upstream Add). */
export function addResources(a: ResourceList, b: ResourceList): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of a) {
    const w = b.get(k);
    out.set(k, w === undefined ? v : v.add(w));
  }
  for (const [k, v] of b) if (!out.has(k)) out.set(k, v);
  return out;
}

/** a − b per name; names only in b are negated (upstream Subtract). */
export function subtractResources(a: ResourceList, b: ResourceList): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of a) {
    const w = b.get(k);
    out.set(k, w === undefined ? v : v.sub(w));
  }
  for (const [k, v] of b) if (!out.has(k)) out.set(k, v.neg());
  return out;
}

/** a − b per name, clamped at zero; names only in b become zero (upstream SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: ResourceList, b: ResourceList): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of a) {
    const w = b.get(k);
    const d = w === undefined ? v : v.sub(w);
    out.set(k, d.sign() > 0 ? d : ZERO_QUANTITY);
  }
  for (const k of b.keys()) if (!out.has(k)) out.set(k, ZERO_QUANTITY);
  return out;
}

/** Per name, the larger of a and b (upstream Max). */
export function maxResources(a: ResourceList, b: ResourceList): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of a) {
    const w = b.get(k);
    out.set(k, w !== undefined && v.cmp(w) <= 0 ? w : v);
  }
  for (const [k, v] of b) if (!out.has(k)) out.set(k, v);
  return out;
}

/** Only the entries whose names are in `names` (upstream Mask). */
export function maskResources(list: ResourceList, names: Iterable<string>): Map<string, Quantity> {
  const set = names instanceof Set ? (names as ReadonlySet<string>) : new Set(names);
  const out = new Map<string, Quantity>();
  for (const [k, v] of list) if (set.has(k)) out.set(k, v);
  return out;
}

/**
 * Whether a ≤ b for every name in b that a also has; the names where a exceeds b, sorted
 * (upstream LessThanOrEqual, with a deterministic order).
 */
export function lessThanOrEqual(
  a: ResourceList,
  b: ResourceList,
): { allowed: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, limit] of b) {
    const v = a.get(k);
    if (v !== undefined && v.cmp(limit) > 0) exceeded.push(k);
  }
  exceeded.sort();
  return { allowed: exceeded.length === 0, exceeded };
}

/** The list without zero values (upstream RemoveZeros). */
export function removeZeros(list: ResourceList): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of list) if (!v.isZero()) out.set(k, v);
  return out;
}

/** The names with a negative value, sorted (upstream IsNegative). */
export function negativeResources(list: ResourceList): string[] {
  const out: string[] = [];
  for (const [k, v] of list) if (v.sign() < 0) out.push(k);
  return out.sort();
}

/** True when every value is zero (upstream IsZero). */
export function isZeroResources(list: ResourceList): boolean {
  for (const v of list.values()) if (!v.isZero()) return false;
  return true;
}

/** `a=1,b=2` with names sorted, for error messages (upstream prettyPrint). */
export function prettyPrintResources(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${(list.get(k) ?? ZERO_QUANTITY).toString()}`)
    .join(',');
}

/** The names of a list, sorted (for deterministic iteration). */
export function sortedResourceNames(list: ResourceList): string[] {
  return [...list.keys()].sort();
}

// Helpers for defaulting untyped JSON objects the way upstream's Go defaulters see them.
//
// Upstream defaults typed structs after decoding, so "unset" means the Go zero value: a missing
// or null key decodes to nil/""/0. We work on the parsed JSON directly, so these helpers spell
// out which zero each field has. A key holding the wrong JSON type is left alone: decoding or
// validation rejects it later, and defaulting must never hide or crash on bad input.
import { parseQuantity } from '../quantity.ts';

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's nil for a pointer, slice or map field: the key is missing or null. */
export function isUnset(v: unknown): boolean {
  return v === undefined || v === null;
}

/** The object under `key`, or undefined when it is unset or not an object (a nil pointer). */
export function child(o: JsonObject, key: string): JsonObject | undefined {
  const v = o[key];
  return isObject(v) ? v : undefined;
}

/**
 * The object under `key`, created as `{}` when unset: for Go struct (non-pointer) fields, which
 * always exist after decoding. Undefined when the key holds some other type.
 */
export function ensureChild(o: JsonObject, key: string): JsonObject | undefined {
  const v = o[key];
  if (isObject(v)) return v;
  if (!isUnset(v)) return undefined;
  const created: JsonObject = {};
  o[key] = created;
  return created;
}

/** The objects in the array under `key`; non-object entries are skipped. */
export function items(o: JsonObject, key: string): JsonObject[] {
  const v = o[key];
  if (!Array.isArray(v)) return [];
  return v.filter(isObject);
}

/** Sets `key` when unset (a nil pointer field). */
export function defaultUnset(o: JsonObject, key: string, value: unknown): void {
  if (isUnset(o[key])) o[key] = value;
}

/** Sets `key` when unset or "" (a Go string field, whose zero value is ""). */
export function defaultEmptyString(o: JsonObject, key: string, value: string): void {
  const v = o[key];
  if (isUnset(v) || v === '') o[key] = value;
}

/** Sets `key` when unset or 0 (a Go integer field, whose zero value is 0). */
export function defaultZero(o: JsonObject, key: string, value: number): void {
  const v = o[key];
  if (isUnset(v) || v === 0) o[key] = value;
}

/** Go's `len(x) == 0` for a slice field: unset or an empty array. */
export function isEmptyList(v: unknown): boolean {
  return isUnset(v) || (Array.isArray(v) && v.length === 0);
}

/** Go's `len(m) == 0` for a map field: unset or an empty object. */
export function isEmptyMap(v: unknown): boolean {
  return isUnset(v) || (isObject(v) && Object.keys(v).length === 0);
}

/** A shallow copy of a string map, so two objects never share one map. */
export function copyMap(m: JsonObject): JsonObject {
  return { ...m };
}

/** A deep copy of a JSON value (defaults must not alias shared constants). */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}

/** Milli scale: upstream rounds every resource quantity up to it (kubernetes#18538). */
const MILLI_SCALE = -3;

/**
 * Upstream SetDefaults_ResourceList: each quantity finer than milli (e.g. `0.0001` CPU) is rounded
 * up (away from zero) to milli scale and rewritten in canonical form. Values already at milli
 * scale or coarser keep their text. Values that do not parse are left for validation.
 */
export function roundResourceList(o: JsonObject | undefined, key: string): void {
  if (o === undefined) return;
  const list = child(o, key);
  if (list === undefined) return;
  for (const [name, value] of Object.entries(list)) {
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    if (typeof text !== 'string') continue;
    let rounded: string | undefined;
    try {
      const q = parseQuantity(text.trim());
      const r = q.roundUp(MILLI_SCALE);
      if (r.quantity !== q) rounded = r.quantity.toString();
    } catch {
      // Not a quantity: validation reports it with the right field path.
      continue;
    }
    if (rounded !== undefined) list[name] = rounded;
  }
}

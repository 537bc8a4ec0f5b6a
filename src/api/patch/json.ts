/**
 * JSON value helpers shared by the three patch formats: the value types, a deep copy, deep
 * equality, and Go-style renderings (`%v`, reflect type names) so that error messages read
 * like the ones the Go API server returns.
 */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** True for a JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of `v`; the caller owns the result. */
export function deepCopy<T extends JsonValue>(v: T): T {
  return structuredClone(v);
}

/** Structural equality of two JSON values (object key order is ignored, array order is not). */
export function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i] as JsonValue));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k] as JsonValue, b[k] as JsonValue));
  }
  return false;
}

/**
 * The JSON kind the Go merge code compares with `reflect.TypeOf`: two values of different
 * kinds are never merged, the patch value replaces the original.
 */
export type JsonKind = 'map' | 'slice' | 'string' | 'number' | 'bool' | 'null';

/** The kind of a JSON value. */
export function jsonKind(v: JsonValue): JsonKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'slice';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'map';
  }
}

/**
 * The Go reflect type name of a decoded JSON value, as `%s` of `reflect.TypeOf` prints it in
 * upstream's `ErrBadArgType` messages. The API server decodes patches preserving integers,
 * so whole numbers are `int64`.
 */
export function goTypeName(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    case 'boolean':
      return 'bool';
    default:
      return 'map[string]interface {}';
  }
}

/** Go's `%v` of a number: integers plainly, others in strconv's shortest 'g' form. */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) {
    const [mant, e] = n.toExponential().split('e');
    const en = Number(e);
    const sign = en < 0 ? '-' : '+';
    return `${mant ?? ''}e${sign}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  return String(n);
}

/**
 * Go's `%v` rendering of a decoded JSON value: maps as `map[k:v ...]` with sorted keys,
 * slices as `[a b]`, nil as `<nil>`. Used only inside error messages.
 */
export function goFormat(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map((e) => goFormat(e)).join(' ')}]`;
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return goNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default: {
      const keys = Object.keys(v).sort();
      return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
    }
  }
}

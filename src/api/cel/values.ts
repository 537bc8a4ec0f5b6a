/**
 * CEL runtime values. The mapping from CEL types to JS is chosen so common values cost no
 * allocation: `int` is a `bigint` (CEL ints are 64-bit, so `number` would silently lose
 * precision and overflow checks), `double` is a `number`, `string`/`bool`/`null` are themselves.
 * Other types are small classes. Lists and maps are interfaces so JSON-backed values can
 * convert lazily (a rule reading `self.spec.replicas` must not convert the whole object).
 */
import type { Quantity } from '../quantity.ts';

/** A CEL runtime error (upstream types.Err); `message` is cel-go's text, e.g. `division by zero`. */
export class CelError extends Error {
  override readonly name = 'CelError';
}

/** Thrown when the cost limit of one evaluation is exceeded; message as cel-go. */
export class CelCostLimitError extends CelError {}

/** The shared `no such overload` error (cel-go's message). */
export function noSuchOverload(): CelError {
  return new CelError('no such overload');
}

/** Receives evaluation cost; throws when a limit is exceeded. */
export interface CostMeter {
  charge(n: number): void;
}

/** A CEL `uint` (64-bit unsigned). */
export class CelUint {
  constructor(readonly v: bigint) {}
}

/** A CEL `google.protobuf.Duration`, held in nanoseconds. */
export class CelDuration {
  constructor(readonly nanos: bigint) {}
}

/** A CEL `google.protobuf.Timestamp`, nanoseconds since the Unix epoch (UTC). */
export class CelTimestamp {
  constructor(readonly nanos: bigint) {}
}

/** A CEL type value, as returned by `type(x)` and named by identifiers like `int`. */
export class CelType {
  constructor(readonly typeName: string) {}
}

/** A CEL `optional_type` value: `value` is undefined for `optional.none()`. */
export class CelOptional {
  constructor(readonly value: CelValue | undefined) {}
  static readonly NONE = new CelOptional(undefined);
}

/** The Kubernetes `Quantity` CEL type (quantity library). */
export class CelQuantity {
  constructor(readonly q: Quantity) {}
}

/** The Kubernetes `URL` CEL type (url library), wrapping a parsed URL reference. */
export class CelURL {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly escapedPath: string,
    readonly rawQuery: string,
  ) {}
}

/** A CEL list. Implementations may convert elements lazily; `get` is 0-based and in range. */
export interface CelList {
  readonly kind: 'list';
  readonly size: number;
  get(i: number): CelValue;
}

/** A CEL map (also used for schema objects). Keys are CEL values (string/int/uint/bool). */
export interface CelMap {
  readonly kind: 'map';
  readonly size: number;
  /** The value at `key`, or undefined when absent. */
  get(key: CelValue): CelValue | undefined;
  keys(): Iterable<CelValue>;
  /**
   * For schema-typed objects: the CEL type name (cel-go shows e.g. `object`); undefined for
   * plain maps.
   */
  readonly objectType?: string | undefined;
}

/** Every value a CEL expression can produce. */
export type CelValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | CelUint
  | CelDuration
  | CelTimestamp
  | CelType
  | CelOptional
  | CelQuantity
  | CelURL
  | CelList
  | CelMap;

/** A plain list backed by an array of converted values. Owns nothing else; treat as immutable. */
export class ArrayList implements CelList {
  readonly kind = 'list';
  constructor(readonly items: readonly CelValue[]) {}
  get size(): number {
    return this.items.length;
  }
  get(i: number): CelValue {
    return this.items[i] ?? null;
  }
}

/** Key of a CEL map in a JS Map: ints and uints and strings must not collide. */
export function mapKeyOf(key: CelValue): string | undefined {
  if (typeof key === 'string') return 's' + key;
  if (typeof key === 'bigint') return 'i' + key.toString();
  if (key instanceof CelUint) return 'i' + key.v.toString();
  if (typeof key === 'boolean') return key ? 'bt' : 'bf';
  // CEL heterogeneous equality lets a double key find an int entry when it is integral.
  if (typeof key === 'number' && Number.isInteger(key)) return 'i' + BigInt(key).toString();
  return undefined;
}

/** A plain map with converted keys and values, insertion-ordered. */
export class EntryMap implements CelMap {
  readonly kind = 'map';
  private readonly index = new Map<string, number>();
  private readonly entries: [CelValue, CelValue][] = [];
  get size(): number {
    return this.entries.length;
  }
  /** Adds an entry; returns false when the key is already present (duplicate). */
  set(key: CelValue, value: CelValue): boolean {
    const k = mapKeyOf(key);
    if (k === undefined) throw new CelError(`unsupported key type: ${typeName(key)}`);
    if (this.index.has(k)) return false;
    this.index.set(k, this.entries.length);
    this.entries.push([key, value]);
    return true;
  }
  get(key: CelValue): CelValue | undefined {
    const k = mapKeyOf(key);
    if (k === undefined) return undefined;
    const i = this.index.get(k);
    return i === undefined ? undefined : this.entries[i]?.[1];
  }
  *keys(): Iterable<CelValue> {
    for (const [k] of this.entries) yield k;
  }
}

/** True when `v` is a CEL list. */
export function isList(v: CelValue): v is CelList {
  return typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'list';
}

/** True when `v` is a CEL map (or schema object). */
export function isMap(v: CelValue): v is CelMap {
  return typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'map';
}

/** The CEL type name of a value, as `type(v)` and cel-go's messages print it. */
export function typeName(v: CelValue): string {
  if (v === null) return 'null_type';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    default:
      break;
  }
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof CelUint) return 'uint';
  if (v instanceof CelDuration) return 'google.protobuf.Duration';
  if (v instanceof CelTimestamp) return 'google.protobuf.Timestamp';
  if (v instanceof CelType) return 'type';
  if (v instanceof CelOptional) return 'optional_type';
  if (v instanceof CelQuantity) return 'kubernetes.Quantity';
  if (v instanceof CelURL) return 'kubernetes.URL';
  if (isList(v)) return 'list';
  if (isMap(v)) return v.objectType ?? 'map';
  return 'unknown';
}

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);
export const UINT64_MAX = (1n << 64n) - 1n;

/** Checks int64 range, throwing cel-go's `integer overflow`. */
export function checkInt(v: bigint): bigint {
  if (v > INT64_MAX || v < INT64_MIN) throw new CelError('integer overflow');
  return v;
}

/** Checks uint64 range, throwing cel-go's `unsigned integer overflow`. */
export function checkUint(v: bigint): CelUint {
  if (v > UINT64_MAX || v < 0n) throw new CelError('unsigned integer overflow');
  return new CelUint(v);
}

/** The numeric value of an int/uint/double as a comparable triple, or undefined. */
function numericOf(v: CelValue): bigint | number | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (v instanceof CelUint) return v.v;
  return undefined;
}

/** Compares two numbers of possibly different CEL numeric types exactly; NaN gives undefined. */
export function compareNumeric(a: bigint | number, b: bigint | number): -1 | 0 | 1 | undefined {
  if (typeof a === 'number' && Number.isNaN(a)) return undefined;
  if (typeof b === 'number' && Number.isNaN(b)) return undefined;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  // Mixed: compare a double with an integer exactly (no rounding of the integer).
  const [d, i, flip] = typeof a === 'number' ? [a, b as bigint, 1] : [b as number, a, -1];
  let r: -1 | 0 | 1;
  if (d === Infinity) r = 1;
  else if (d === -Infinity) r = -1;
  else {
    const fl = BigInt(Math.floor(d));
    if (fl < i) r = -1;
    else if (fl > i) r = 1;
    else r = d === Math.floor(d) ? 0 : 1;
  }
  return (r * flip) as -1 | 0 | 1;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * CEL equality with cel-go 0.22's heterogeneous semantics: numbers compare by value across
 * int/uint/double, values of different types are unequal (never an error), lists and maps
 * compare element-wise.
 */
export function celEquals(a: CelValue, b: CelValue): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  const na = numericOf(a);
  if (na !== undefined) {
    const nb = numericOf(b);
    return nb !== undefined && compareNumeric(na, nb) === 0;
  }
  if (a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesEqual(a, b);
  if (a instanceof CelDuration) return b instanceof CelDuration && a.nanos === b.nanos;
  if (a instanceof CelTimestamp) return b instanceof CelTimestamp && a.nanos === b.nanos;
  if (a instanceof CelType) return b instanceof CelType && a.typeName === b.typeName;
  if (a instanceof CelQuantity) return b instanceof CelQuantity && a.q.equal(b.q);
  if (a instanceof CelURL) {
    return (
      b instanceof CelURL &&
      a.scheme === b.scheme &&
      a.host === b.host &&
      a.escapedPath === b.escapedPath &&
      a.rawQuery === b.rawQuery
    );
  }
  if (a instanceof CelOptional) {
    if (!(b instanceof CelOptional)) return false;
    if (a.value === undefined || b.value === undefined) return a.value === b.value;
    return celEquals(a.value, b.value);
  }
  if (isList(a)) {
    if (!isList(b) || a.size !== b.size) return false;
    for (let i = 0; i < a.size; i++) if (!celEquals(a.get(i), b.get(i))) return false;
    return true;
  }
  if (isMap(a)) {
    if (!isMap(b) || a.size !== b.size) return false;
    for (const k of a.keys()) {
      const bv = b.get(k);
      if (bv === undefined) return false;
      const av = a.get(k);
      if (av === undefined || !celEquals(av, bv)) return false;
    }
    return true;
  }
  return false;
}

/**
 * CEL ordering (`<` and friends): same-type comparisons plus cross-type numeric comparisons
 * (Kubernetes enables CrossTypeNumericComparisons). Throws `no such overload` otherwise;
 * returns undefined for NaN (every comparison with NaN is false).
 */
export function celCompare(a: CelValue, b: CelValue): -1 | 0 | 1 | undefined {
  const na = numericOf(a);
  const nb = numericOf(b);
  if (na !== undefined && nb !== undefined) return compareNumeric(na, nb);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i] ?? 0;
      const y = b[i] ?? 0;
      if (x !== y) return x < y ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  if (a instanceof CelDuration && b instanceof CelDuration) {
    return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
  }
  if (a instanceof CelTimestamp && b instanceof CelTimestamp) {
    return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
  }
  throw noSuchOverload();
}

/**
 * Compares strings by Unicode code point (CEL orders strings by code point; JS `<` compares
 * UTF-16 units, which differs only for astral characters against U+E000..U+FFFF).
 */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

const NON_BMP_OR_SURROGATE = /[\uD800-\uDFFF]/;

/** The string's code points (CEL indexes strings by code point). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/** Length in code points, without allocating for the common BMP-only case. */
export function codePointLength(s: string): number {
  if (!NON_BMP_OR_SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** True when `s` has no surrogate pairs, so UTF-16 indexes equal code point indexes. */
export function isBmpOnly(s: string): boolean {
  return !NON_BMP_OR_SURROGATE.test(s);
}

/** Formats a double as cel-go's string(double) does (Go's strconv 'g'-like shortest form). */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '+Inf';
  if (d === -Infinity) return '-Inf';
  if (Object.is(d, -0)) return '-0';
  const abs = Math.abs(d);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const s = d.toExponential();
    const [m = '', e = ''] = s.split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '').padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return String(d);
}

/** Formats a duration as cel-go's string(duration): seconds with up to 9 fraction digits + `s`. */
export function formatDuration(nanos: bigint): string {
  const neg = nanos < 0n;
  const abs = neg ? -nanos : nanos;
  const secs = abs / 1_000_000_000n;
  const frac = abs % 1_000_000_000n;
  let out = secs.toString();
  if (frac !== 0n) out += '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return (neg ? '-' : '') + out + 's';
}

/** Formats a timestamp as RFC 3339 in UTC with the minimal fraction (Go's RFC3339Nano). */
export function formatTimestamp(nanos: bigint): string {
  const ms = nanos / 1_000_000n - (nanos % 1_000_000n < 0n ? 1n : 0n);
  const date = new Date(Number(ms));
  const subNanos = ((nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const base = date.toISOString().slice(0, 19);
  let frac = '';
  if (subNanos !== 0n) frac = '.' + subNanos.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${frac}Z`;
}

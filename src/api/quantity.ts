// Resource quantities (Kubernetes' resource.Quantity): an exact decimal number with a
// remembered suffix style. Ported from k8s.io/apimachinery/pkg/api/resource (quantity.go,
// suffix.go, amount.go, scale_int.go). Values are held as `unscaled × 10^exp` with BigInt so no
// floating point ever touches a quantity; the printed form must match Kubernetes byte for byte
// because clients diff what they sent against what the server stores.
import type { Quantity as WireQuantity } from 'kubernetes-types/api/resource.js';

/** The three suffix styles a quantity remembers from its input (upstream `resource.Format`). */
export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

/** Power-of-ten scales used with {@link Quantity.scaledValue} (upstream `resource.Scale`). */
export const Scale = {
  Nano: -9,
  Micro: -6,
  Milli: -3,
  Kilo: 3,
  Mega: 6,
  Giga: 9,
  Tera: 12,
  Peta: 15,
  Exa: 18,
} as const;

const splitREString = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** Upstream `ErrFormatWrong` message. */
export const QUANTITY_FORMAT_WRONG = `quantities must match the regular expression '${splitREString}'`;
/** Upstream `ErrNumeric` message. */
export const QUANTITY_NUMERIC = 'unable to parse numeric part of quantity';
/** Upstream `ErrSuffix` message (also used for exponents outside the int32 range). */
export const QUANTITY_SUFFIX = "unable to parse quantity's suffix";

/** Why a quantity string was rejected; each maps to one upstream error value. */
export type QuantityErrorReason = 'FormatWrong' | 'Numeric' | 'Suffix';

/** Thrown by {@link parseQuantity} and the JSON helpers; `message` is upstream's text. */
export class QuantityParseError extends Error {
  override readonly name = 'QuantityParseError';
  constructor(
    readonly reason: QuantityErrorReason,
    /** The rejected input, for callers that build field errors. */
    readonly input: string,
  ) {
    super(
      reason === 'FormatWrong'
        ? QUANTITY_FORMAT_WRONG
        : reason === 'Numeric'
          ? QUANTITY_NUMERIC
          : QUANTITY_SUFFIX,
    );
  }
}

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_INT32 = 2147483647;
/** Largest exponent gap add() will align exactly. */
const MAX_ALIGN_DIGITS = 10000;
/** Digits an int64 can always hold (upstream `maxInt64Factors`). */
const MAX_INT64_FACTORS = 18;

const decimalSuffixes = new Map<number, string>([
  [-9, 'n'],
  [-6, 'u'],
  [-3, 'm'],
  [0, ''],
  [3, 'k'],
  [6, 'M'],
  [9, 'G'],
  [12, 'T'],
  [15, 'P'],
  [18, 'E'],
]);
const decimalSuffixToExp = new Map<string, number>([...decimalSuffixes].map(([e, s]) => [s, e]));
const binarySuffixes = new Map<number, string>([
  [10, 'Ki'],
  [20, 'Mi'],
  [30, 'Gi'],
  [40, 'Ti'],
  [50, 'Pi'],
  [60, 'Ei'],
]);
const binarySuffixToExp = new Map<string, number>([...binarySuffixes].map(([e, s]) => [s, e]));

function pow10n(n: number): bigint {
  return 10n ** BigInt(n);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function digitCount(v: bigint): number {
  return abs(v).toString().length;
}

/** Divides by 10^n rounding away from zero (inf.RoundUp); reports whether it was exact. */
function divPow10AwayFromZero(v: bigint, n: number): { value: bigint; exact: boolean } {
  if (n <= 0) return { value: v * pow10n(-n), exact: true };
  if (v === 0n) return { value: 0n, exact: true };
  // |v| < 10^n: only the rounding unit is left; avoids building a huge divisor.
  if (n > digitCount(v)) return { value: v < 0n ? -1n : 1n, exact: false };
  const d = pow10n(n);
  const q = v / d; // truncates toward zero
  const r = v % d;
  if (r === 0n) return { value: q, exact: true };
  return { value: v < 0n ? q - 1n : q + 1n, exact: false };
}

/** Strips factors of `base`; returns the remainder and how many were removed. */
function removeFactors(v: bigint, base: bigint): [bigint, number] {
  let times = 0;
  if (v === 0n) return [v, 0];
  while (v % base === 0n) {
    v /= base;
    times++;
  }
  return [v, times];
}

/** Go's math.Pow10, reproduced so asApproximateFloat64 rounds like upstream. */
function goPow10(n: number): number {
  if (n >= 0 && n <= 308) {
    return Number(`1e${Math.trunc(n / 32) * 32}`) * Number(`1e${n % 32}`);
  }
  if (n >= -323 && n <= 0) {
    const m = -n;
    return Number(`1e-${Math.trunc(m / 32) * 32}`) / Number(`1e${m % 32}`);
  }
  return n > 0 ? Infinity : 0;
}

interface Interpreted {
  base: 10 | 2;
  exponent: number;
  format: QuantityFormat;
}

/** Upstream quantitySuffixer.interpret, including the int32 bound on exponents. */
function interpretSuffix(s: string): Interpreted | undefined {
  const dec = decimalSuffixToExp.get(s);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = binarySuffixToExp.get(s);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'E' || s[0] === 'e')) {
    // strconv.ParseInt(s[1:], 10, 64): optional sign then at least one digit.
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const parsed = BigInt(rest);
    // An exponent outside [-MaxInt32, MaxInt32] is rejected rather than truncated.
    if (parsed > BigInt(MAX_INT32) || parsed < -BigInt(MAX_INT32)) return undefined;
    return { base: 10, exponent: Number(parsed), format: 'DecimalExponent' };
  }
  return undefined;
}

interface Scanned {
  positive: boolean;
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Port of upstream parseQuantityString: a permissive scanner; the suffix is checked later. */
function scanQuantity(str: string): Scanned | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') {
      pos++;
    }
  }
  // strip leading zeros
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };

  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, value: str, num, denom: '', suffix: '' };
  pos = i;
  if (num.length === 0) num = '0';

  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = i;
  }
  const value = str.slice(0, pos);

  const suffixStart = pos;
  i = pos;
  while (i < end && 'eEinumkKMGTP'.includes(str[i] ?? '')) i++;
  if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  pos = i;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  // A non-digit after the exponent digits: not a quantity at all.
  return undefined;
}

/**
 * An immutable, exact resource quantity (upstream `resource.Quantity`). Every operation returns a
 * new value; instances may be shared freely. The wire form is {@link Quantity.toString}.
 */
export class Quantity {
  /** The value is `#unscaled × 10^#exp`. */
  readonly #unscaled: bigint;
  readonly #exp: number;
  /** The input string when upstream would reuse it as the printed form (see parseQuantity). */
  readonly #cached: string | undefined;
  /** The suffix style used when printing. */
  readonly format: QuantityFormat;

  /** Use {@link parseQuantity} or the `new*Quantity` helpers; this constructor trusts its input. */
  constructor(unscaled: bigint, exp: number, format: QuantityFormat, cached?: string) {
    this.#unscaled = unscaled;
    this.#exp = unscaled === 0n ? 0 : exp;
    this.format = format;
    this.#cached = cached;
  }

  /** True when the value is exactly zero. */
  isZero(): boolean {
    return this.#unscaled === 0n;
  }

  /** -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.#unscaled === 0n ? 0 : this.#unscaled < 0n ? -1 : 1;
  }

  /** Exact comparison: -1 if this < y, 0 if equal, 1 if greater. Formats are ignored. */
  cmp(y: Quantity): -1 | 0 | 1 {
    return compareParts(this.#unscaled, this.#exp, y.#unscaled, y.#exp);
  }

  /** Exact comparison with an integer. */
  cmpInt(y: number | bigint): -1 | 0 | 1 {
    return compareParts(this.#unscaled, this.#exp, BigInt(y), 0);
  }

  /** Value equality (upstream `Equal`): same number, whatever the format. */
  equal(y: Quantity): boolean {
    return this.cmp(y) === 0;
  }

  /**
   * this + y. When this is zero the result takes y's format (upstream Add), so `0 + 1Gi` prints
   * as `1Gi`. Throws RangeError when the operands' exponents are more than 10000 decimal digits
   * apart (only reachable with absurd exponent-notation input).
   */
  add(y: Quantity): Quantity {
    const format = this.isZero() ? y.format : this.format;
    if (y.isZero()) return new Quantity(this.#unscaled, this.#exp, format);
    if (this.isZero()) return new Quantity(y.#unscaled, y.#exp, format);
    const exp = Math.min(this.#exp, y.#exp);
    if (Math.abs(this.#exp - y.#exp) > MAX_ALIGN_DIGITS) {
      // The exact sum would need more digits than any real resource has; refuse rather than
      // allocate (e.g. 1e2147483647 + 1).
      throw new RangeError('quantity arithmetic exceeds the supported precision');
    }
    const a = this.#unscaled * pow10n(this.#exp - exp);
    const b = y.#unscaled * pow10n(y.#exp - exp);
    return new Quantity(a + b, exp, format);
  }

  /** this − y; like add, a zero receiver takes y's format. */
  sub(y: Quantity): Quantity {
    return this.add(y.neg());
  }

  /** −this, same format. */
  neg(): Quantity {
    return new Quantity(-this.#unscaled, this.#exp, this.format);
  }

  /** The same value printed in another format. */
  withFormat(format: QuantityFormat): Quantity {
    return format === this.format && this.#cached === undefined
      ? this
      : new Quantity(this.#unscaled, this.#exp, format);
  }

  /**
   * Rounds away from zero to a multiple of 10^scale (upstream RoundUp); `exact` is false when
   * precision was lost. `9.01` at scale 0 becomes `10`, `-9.01` becomes `-10`.
   */
  roundUp(scale: number): { quantity: Quantity; exact: boolean } {
    if (this.#exp >= scale) return { quantity: this, exact: true };
    const r = divPow10AwayFromZero(this.#unscaled, scale - this.#exp);
    return { quantity: new Quantity(r.value, scale, this.format), exact: r.exact };
  }

  /**
   * ceil(|this| / 10^scale) with the sign kept (rounding away from zero), saturated to the int64
   * range like upstream's int64 path. `scaledValue(0)` of `1n` is 1.
   */
  scaledValue(scale: number): bigint {
    const u = this.#unscaled;
    if (u === 0n) return 0n;
    const delta = this.#exp - scale;
    if (delta >= 0) {
      // More than 19 digits cannot fit an int64; saturate without building the number.
      if (digitCount(u) + delta > 19) return u < 0n ? MIN_INT64 : MAX_INT64;
      const v = u * pow10n(delta);
      return v > MAX_INT64 ? MAX_INT64 : v < MIN_INT64 ? MIN_INT64 : v;
    }
    const v = divPow10AwayFromZero(u, -delta).value;
    return v > MAX_INT64 ? MAX_INT64 : v < MIN_INT64 ? MIN_INT64 : v;
  }

  /**
   * The value rounded away from zero to an integer (upstream Value). Returned as a JS number, so
   * it is exact only up to 2^53; use {@link Quantity.scaledValue} for the exact int64.
   */
  value(): number {
    return Number(this.scaledValue(0));
  }

  /** ceil(this × 1000) away from zero (upstream MilliValue), as a JS number. */
  milliValue(): number {
    return Number(this.scaledValue(Scale.Milli));
  }

  /**
   * A float approximation computed like upstream (unscaled × Pow10(exp)); ±Infinity when out
   * of range. Never feed it back into a quantity.
   */
  asApproximateFloat64(): number {
    const base = Number(this.#unscaled);
    if (this.#exp === 0) return base;
    return base * goPow10(this.#exp);
  }

  /**
   * Exact decimal text without suffix, e.g. `1536`, `0.5`, `-0.001` (for diagnostics). Values
   * with exponents beyond ±10000 are shown in canonical DecimalExponent form instead.
   */
  toDecimalString(): string {
    const u = this.#unscaled;
    if (Math.abs(this.#exp) > MAX_ALIGN_DIGITS) return decimalForm(u, this.#exp, 'DecimalExponent');
    if (this.#exp >= 0) return (u * pow10n(this.#exp)).toString();
    const digits = abs(u)
      .toString()
      .padStart(-this.#exp + 1, '0');
    const cut = digits.length + this.#exp;
    const frac = digits.slice(cut).replace(/0+$/, '');
    return `${u < 0n ? '-' : ''}${digits.slice(0, cut)}${frac ? `.${frac}` : ''}`;
  }

  /** The canonical string exactly as Kubernetes prints it (see {@link parseQuantity}). */
  toString(): string {
    if (this.#cached !== undefined) return this.#cached;
    return canonicalize(this.#unscaled, this.#exp, this.format);
  }

  /** JSON.stringify support: the wire form is the canonical string. */
  toJSON(): WireQuantity {
    return this.toString();
  }
}

function compareParts(ua: bigint, ea: number, ub: bigint, eb: number): -1 | 0 | 1 {
  const sa = ua === 0n ? 0 : ua < 0n ? -1 : 1;
  const sb = ub === 0n ? 0 : ub < 0n ? -1 : 1;
  if (sa !== sb) return sa > sb ? 1 : -1;
  if (sa === 0) return 0;
  // Decide by order of magnitude first so a huge exponent gap never builds a huge number.
  const ma = digitCount(ua) + ea;
  const mb = digitCount(ub) + eb;
  if (ma !== mb) return (ma > mb ? sa : -sa) as -1 | 1;
  const e = Math.min(ea, eb);
  const a = ua * pow10n(ea - e);
  const b = ub * pow10n(eb - e);
  return a === b ? 0 : a > b ? 1 : -1;
}

/** mantissa and base-10 exponent with the exponent a multiple of 3 (AsCanonicalBytes). */
function canonicalBase10(unscaled: bigint, exp: number): [string, number] {
  const [m, times] = removeFactors(abs(unscaled), 10n);
  let e = exp + times;
  const mod = ((e % 3) + 3) % 3;
  const mantissa = m * pow10n(mod);
  e -= mod;
  return [`${unscaled < 0n ? '-' : ''}${mantissa.toString()}`, e];
}

function decimalForm(unscaled: bigint, exp: number, format: QuantityFormat): string {
  const [number, e] = canonicalBase10(unscaled, exp);
  if (format === 'DecimalSI') {
    const suffix = decimalSuffixes.get(e);
    // Past E (or below n) there is no SI suffix: fall back to exponent notation rather than
    // dropping the magnitude, as current upstream does.
    if (suffix !== undefined) return number + suffix;
  }
  return e === 0 ? number : `${number}e${e}`;
}

function canonicalize(unscaled: bigint, exp: number, format: QuantityFormat): string {
  if (unscaled === 0n) return '0';
  if (format !== 'BinarySI') return decimalForm(unscaled, exp, format);
  // BinarySI between -1024 and 1024 prints as DecimalSI: avoids rounding and confusion.
  if (compareParts(unscaled, exp, -1024n, 0) > 0 && compareParts(unscaled, exp, 1024n, 0) < 0) {
    return decimalForm(unscaled, exp, 'DecimalSI');
  }
  let int: bigint;
  if (exp < 0) {
    const r = divPow10AwayFromZero(unscaled, -exp);
    // A fraction cannot be shown with a binary suffix without rounding: show it as DecimalSI.
    if (!r.exact) return decimalForm(unscaled, exp, 'DecimalSI');
    int = r.value;
  } else {
    // ≥ 10^100 is far past Ei, so no binary suffix applies; don't build the integer.
    if (exp > 100) return decimalForm(unscaled, exp, 'DecimalExponent');
    int = unscaled * pow10n(exp);
  }
  const [m, times] = removeFactors(abs(int), 1024n);
  if (times === 0) return int.toString();
  const suffix = binarySuffixes.get(times * 10);
  if (suffix === undefined) return decimalForm(unscaled, exp, 'DecimalExponent');
  return `${int < 0n ? '-' : ''}${m.toString()}${suffix}`;
}

/**
 * Parses a quantity string exactly like upstream ParseQuantity: `100m`, `1.5Gi`, `12e6`, `+1`,
 * `.5`, ... Sub-nano precision is rounded up (away from zero) to `1n`; BinarySI values are capped
 * at 2^63-1; a binary value below 1 becomes DecimalSI. Throws {@link QuantityParseError}.
 *
 * Like upstream, when the input is already in a form the parser considers canonical it is kept
 * verbatim as the printed form; this reproduces upstream quirks such as `+1` and `1.500k`
 * printing unchanged (kubernetes#138165), because clients compare against them.
 */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError('FormatWrong', str);
  if (str === '0') return new Quantity(0n, 0, 'DecimalSI', '0');

  const scanned = scanQuantity(str);
  if (scanned === undefined) throw new QuantityParseError('FormatWrong', str);
  const { positive, value, num, denom, suffix } = scanned;
  const interpreted = interpretSuffix(suffix);
  if (interpreted === undefined) throw new QuantityParseError('Suffix', str);
  const { base, exponent } = interpreted;
  let format = interpreted.format;

  // Upstream's int64 fast path: it decides when the input string is reused as-is.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = MAX_INT64_FACTORS - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= Scale.Nano) {
      const shifted = num + denom;
      const v = BigInt(shifted);
      const product = v * mantissa;
      if (product <= MAX_INT64) {
        const result = positive ? product : -product;
        let reuse: boolean;
        if (format === 'BinarySI') {
          reuse = exponent % 10 === 0 && (v & 7n) !== 0n;
        } else {
          reuse = scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        }
        return new Quantity(result, scale, format, reuse ? str : undefined);
      }
    }
  }

  // Arbitrary precision path.
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(value);
  const intDigits = m?.[2] ?? '';
  const fracDigits = m?.[3] ?? '';
  if (m === null || intDigits.length + fracDigits.length === 0) {
    throw new QuantityParseError('Numeric', str);
  }
  let unscaled = BigInt(intDigits + fracDigits);
  if (m[1] === '-') unscaled = -unscaled;
  let exp = -fracDigits.length;
  if (base === 10) {
    exp += exponent;
  } else {
    unscaled *= 1n << BigInt(exponent);
  }

  if (unscaled !== 0n) {
    // Round non-zero values up to the nano scale: if you ask for some resource you get some.
    if (exp < Scale.Nano) {
      unscaled = divPow10AwayFromZero(unscaled, Scale.Nano - exp).value;
      exp = Scale.Nano;
    } else if (exp - Scale.Nano <= 30) {
      // Upstream's decimal ends at scale nano; keep that representation when it is cheap so
      // asApproximateFloat64 rounds the same way.
      unscaled *= pow10n(exp - Scale.Nano);
      exp = Scale.Nano;
    }
  }
  if (format === 'BinarySI') {
    if (compareParts(abs(unscaled), exp, MAX_INT64, 0) > 0) {
      unscaled = unscaled < 0n ? -MAX_INT64 : MAX_INT64;
      exp = 0;
    }
    if (unscaled !== 0n && compareParts(abs(unscaled), exp, 1n, 0) < 0) format = 'DecimalSI';
  }
  return new Quantity(unscaled, exp, format);
}

/** A quantity of `value` in `format` (upstream NewQuantity). */
export function newQuantity(value: number | bigint, format: QuantityFormat): Quantity {
  return new Quantity(toBigInt(value), 0, format);
}

/** A quantity of `value / 1000` in `format` (upstream NewMilliQuantity). */
export function newMilliQuantity(value: number | bigint, format: QuantityFormat): Quantity {
  return new Quantity(toBigInt(value), Scale.Milli, format);
}

/** A DecimalSI quantity of `value × 10^scale` (upstream NewScaledQuantity). */
export function newScaledQuantity(value: number | bigint, scale: number): Quantity {
  return new Quantity(toBigInt(value), scale, 'DecimalSI');
}

function toBigInt(value: number | bigint): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`quantity value must be a safe integer, got ${value}`);
  }
  return BigInt(value);
}

/** The zero quantity (DecimalSI), shared. */
export const ZERO_QUANTITY: Quantity = new Quantity(0n, 0, 'DecimalSI');

/**
 * Decodes the string form of a quantity as upstream UnmarshalJSON does for a JSON string:
 * surrounding whitespace is trimmed, then {@link parseQuantity}. Throws QuantityParseError.
 */
export function quantityFromString(s: string): Quantity {
  return parseQuantity(s.trim());
}

/**
 * Decodes a quantity field from parsed JSON: a string, a JSON number (as upstream accepts
 * `cpu: 1` or `cpu: 0.5`) or null (the zero quantity). Numbers go through their shortest JS
 * decimal text, so `1e3` arrives as `1000` and prints `1k` (upstream, seeing the raw bytes,
 * would keep `1e3`). Anything else throws QuantityParseError('FormatWrong').
 */
export function quantityFromJSON(value: unknown): Quantity {
  if (value === null) return ZERO_QUANTITY;
  if (typeof value === 'string') return quantityFromString(value);
  if (typeof value === 'number' && Number.isFinite(value)) return parseQuantity(String(value));
  throw new QuantityParseError('FormatWrong', typeof value === 'number' ? String(value) : '');
}

/** The wire form of a quantity: its canonical string. */
export function quantityToJSON(q: Quantity): WireQuantity {
  return q.toString();
}

// IntOrString (k8s.io/apimachinery/pkg/util/intstr): fields such as maxSurge, maxUnavailable
// and targetPort that hold either an integer or a string (usually a percentage like "25%").
import { goQuote } from './validation/index.ts';

/**
 * The wire type. kubernetes-types 1.30 inlines it as `number | string` on every field and has
 * no module for it, so it is named here.
 */
export type IntOrString = number | string;

/** A malformed IntOrString; `message` is upstream's text. */
export class IntOrStringError extends Error {
  override readonly name = 'IntOrStringError';
}

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

/** Go's strconv.Atoi on a 64-bit platform: the value, or upstream's error text. */
function atoi(s: string): { value: number } | { error: string } {
  const fn = 'strconv.Atoi';
  if (!/^[+-]?[0-9]+$/.test(s)) {
    return { error: `${fn}: parsing ${goQuote(s)}: invalid syntax` };
  }
  const v = BigInt(s);
  if (v > MAX_INT64 || v < MIN_INT64) {
    return { error: `${fn}: parsing ${goQuote(s)}: value out of range` };
  }
  return { value: Number(v) };
}

/** An IntOrString holding an integer (upstream FromInt32). */
export function intOrStringFromInt(v: number): IntOrString {
  if (!Number.isInteger(v)) throw new IntOrStringError(`not an integer: ${v}`);
  return v;
}

/** An IntOrString holding a string (upstream FromString). */
export function intOrStringFromString(s: string): IntOrString {
  return s;
}

/** Upstream intstr.Parse: an integer when the text is one (Atoi), otherwise the string. */
export function parseIntOrString(s: string): IntOrString {
  const r = atoi(s);
  return 'value' in r ? r.value : s;
}

/**
 * The integer value (upstream IntValue): a number as is; a string through Atoi, 0 when it is
 * not an integer (so "25%" gives 0).
 */
export function intOrStringValue(v: IntOrString): number {
  if (typeof v === 'number') return v;
  const r = atoi(v);
  return 'value' in r ? r.value : 0;
}

/** Upstream String(): the decimal text of a number, or the string itself. */
export function intOrStringToString(v: IntOrString): string {
  return typeof v === 'number' ? String(v) : v;
}

/**
 * Decodes an IntOrString from parsed JSON: an int32 number or a string. Throws
 * IntOrStringError with Go's json error text for anything else; callers treat an absent or
 * null optional field as unset before calling.
 */
export function intOrStringFromJSON(value: unknown): IntOrString {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value > 2147483647 || value < -2147483648) {
      throw new IntOrStringError(
        `json: cannot unmarshal number ${value} into Go value of type int32`,
      );
    }
    return value;
  }
  const kind =
    typeof value === 'boolean'
      ? 'bool'
      : Array.isArray(value)
        ? 'array'
        : value === null
          ? 'null'
          : typeof value;
  throw new IntOrStringError(`json: cannot unmarshal ${kind} into Go value of type int32`);
}

function intOrPercentValue(v: IntOrString): { value: number; isPercent: boolean } {
  if (typeof v === 'number') return { value: v, isPercent: false };
  if (!v.endsWith('%')) {
    throw new IntOrStringError('invalid type: string is not a percentage');
  }
  const r = atoi(v.slice(0, -1));
  if ('error' in r) {
    throw new IntOrStringError(`invalid value ${goQuote(v)}: ${r.error}`);
  }
  return { value: r.value, isPercent: true };
}

/**
 * Resolves an absolute number or a percentage of `total` (upstream
 * GetScaledValueFromIntOrPercent): `5` → 5; `"25%"` of 10 → 3 rounding up, 2 rounding down.
 * Throws IntOrStringError with upstream's messages, e.g.
 * `invalid value for IntOrString: invalid type: string is not a percentage`, or
 * `nil value for IntOrString` for undefined/null.
 */
export function getScaledValueFromIntOrPercent(
  v: IntOrString | undefined | null,
  total: number,
  roundUp: boolean,
): number {
  if (v === undefined || v === null) throw new IntOrStringError('nil value for IntOrString');
  let r: { value: number; isPercent: boolean };
  try {
    r = intOrPercentValue(v);
  } catch (err) {
    if (err instanceof IntOrStringError) {
      throw new IntOrStringError(`invalid value for IntOrString: ${err.message}`);
    }
    throw err;
  }
  if (!r.isPercent) return r.value;
  // Same float arithmetic as upstream: value * total / 100, then ceil or floor.
  const scaled = (r.value * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

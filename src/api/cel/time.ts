/**
 * Duration and timestamp parsing as cel-go does it: durations with Go's time.ParseDuration
 * grammar (`1h30m`, `-1.5s`, `300ms`), timestamps as RFC 3339 limited to years 0001-9999.
 */
import { CelError } from './values.ts';

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_DURATION_NANOS = (1n << 63n) - 1n;

/**
 * Parses a Go duration string into nanoseconds. Throws CelError with Go's message
 * (`time: invalid duration "x"`) when malformed or out of the int64 nanosecond range.
 */
export function parseGoDuration(s: string): bigint {
  const bad = (): never => {
    throw new CelError(`time: invalid duration "${s}"`);
  };
  let i = 0;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    i = 1;
  }
  if (s.slice(i) === '0') return 0n;
  if (i >= s.length) bad();
  let total = 0n;
  while (i < s.length) {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s.slice(i));
    const whole = m?.[1] ?? '';
    const frac = m?.[2];
    if (whole === '' && (frac === undefined || frac === '')) bad();
    i += m?.[0].length ?? 0;
    const u = /^[^0-9.]+/.exec(s.slice(i))?.[0];
    if (u === undefined) {
      throw new CelError(`time: missing unit in duration "${s}"`);
    }
    const unit = UNIT_NANOS[u];
    if (unit === undefined) throw new CelError(`time: unknown unit "${u}" in duration "${s}"`);
    i += u.length;
    let v = BigInt(whole === '' ? '0' : whole) * unit;
    if (frac !== undefined && frac !== '') {
      const scale = 10n ** BigInt(frac.length);
      v += (BigInt(frac) * unit) / scale;
    }
    total += v;
    if (total > MAX_DURATION_NANOS + (neg ? 1n : 0n)) bad();
  }
  return neg ? -total : total;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 timestamp to nanoseconds since the epoch; throws CelError when invalid. */
export function parseTimestamp(s: string): bigint {
  const m = RFC3339.exec(s);
  if (m === null) {
    throw new CelError(`parsing time "${s}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
  }
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(sec) > 59
  ) {
    throw new CelError(`parsing time "${s}": field out of range`);
  }
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(Number(h), Number(mi), Number(sec), 0);
  if (date.getUTCDate() !== day) throw new CelError(`parsing time "${s}": day out of range`);
  let nanos = BigInt(date.getTime()) * 1_000_000n;
  if (frac !== undefined) nanos += BigInt(frac.padEnd(9, '0'));
  if (sign !== undefined) {
    const off = BigInt(Number(oh) * 60 + Number(om)) * 60n * 1_000_000_000n;
    nanos += sign === '+' ? -off : off;
  }
  checkTimestampRange(nanos);
  return nanos;
}

/** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, cel-go's valid range. */
const MIN_TS_NANOS = -62135596800n * 1_000_000_000n;
const MAX_TS_NANOS = 253402300799n * 1_000_000_000n + 999_999_999n;

/** Throws cel-go's `timestamp out of range` when outside years 0001-9999. */
export function checkTimestampRange(nanos: bigint): bigint {
  if (nanos < MIN_TS_NANOS || nanos > MAX_TS_NANOS) throw new CelError('timestamp out of range');
  return nanos;
}

/** Checks a duration against cel-go's range (±~292 years in int64 nanoseconds). */
export function checkDurationRange(nanos: bigint): bigint {
  if (nanos > MAX_DURATION_NANOS || nanos < -MAX_DURATION_NANOS - 1n) {
    throw new CelError('integer overflow');
  }
  return nanos;
}

/**
 * Resolves a timezone argument of the timestamp accessors to an offset in minutes. Only UTC
 * and fixed offsets (`+05:30`, `-08:00`, `05:30`) are supported; IANA names are not (no tz data
 * in a pure layer), which yields an error rather than a wrong answer.
 */
export function timezoneOffsetMinutes(tz: string): number {
  if (tz === 'UTC' || tz === 'Z' || tz === '') return 0;
  const m = /^([+-]?)(\d{1,2}):(\d{2})$/.exec(tz);
  if (m === null) throw new CelError(`unknown time zone ${tz}`);
  const mins = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -mins : mins;
}

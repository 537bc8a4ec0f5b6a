/** Go's time.ParseDuration for the `skiff.dev/simulated-exit-after` annotation. */

const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration ("5s", "1m30s", "250ms", "1.5h") in milliseconds, or undefined when `s` is not
 * one (Go would fail with "time: invalid duration"). Negative durations are accepted as Go
 * does; callers treat them as zero.
 */
export function parseGoDurationMs(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const num = /^[0-9]*(?:\.[0-9]*)?/.exec(rest)?.[0] ?? '';
    if (num === '' || num === '.') return undefined;
    rest = rest.slice(num.length);
    const unit = /^[^0-9.]*/.exec(rest)?.[0] ?? '';
    const factor = UNITS[unit];
    if (factor === undefined) return undefined;
    rest = rest.slice(unit.length);
    total += Number(num) * factor;
  }
  return sign * total;
}

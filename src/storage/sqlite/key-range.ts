/**
 * Prefix → half-open key interval [lower, upper) in SQLite's BINARY (UTF-8 byte) order, so
 * prefix scans use the primary key / index instead of LIKE or substr().
 */

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined when
 * there is none (empty prefix, or one made only of U+10FFFF). UTF-8 byte order equals code
 * point order, so incrementing the last code point gives the bound.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix, (ch) => ch.codePointAt(0) ?? 0);
  while (cps.length > 0) {
    const last = cps.pop() ?? 0;
    if (last < 0x10ffff) {
      // Skip the surrogate range, which is not valid in UTF-8 text.
      cps.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...cps);
    }
  }
  return undefined;
}

/** The interval a range request covers: keys under `prefix`, not below `startKey`. */
export function keyInterval(
  prefix: string,
  startKey?: string,
): { lower: string; upper: string | undefined } {
  const later =
    startKey !== undefined && Buffer.compare(Buffer.from(startKey), Buffer.from(prefix)) > 0;
  const lower = later ? startKey : prefix;
  return { lower, upper: prefixEnd(prefix) };
}

/** String helpers shared by the checks and the plugin. */

/**
 * Compares in Unicode code point order, which is the byte order of UTF-8 that Go's
 * sort.Strings and `<` on strings use (UTF-16 order differs above U+FFFF).
 */
export function goCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done === true) return cb.done === true ? 0 : -1;
    if (cb.done === true) return 1;
    const d = (ca.value.codePointAt(0) ?? 0) - (cb.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

/**
 * Go's `%q` / `strconv.Quote` for the strings that appear in Kubernetes messages, so that
 * messages built here read byte-for-byte like the Go API server's.
 */

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/**
 * Quotes `s` as Go's `strconv.Quote` does for valid UTF-8: printable characters stay as they
 * are, `"` and `\` are escaped, C escapes are used where Go uses them, other ASCII control
 * characters become `\xNN`, and non-printable non-ASCII code points (C1 controls, line and
 * paragraph separators, BOM) become `\uNNNN` / `\UNNNNNNNN`. Lone surrogates are written as
 * Go writes invalid UTF-8 after decoding: U+FFFD escaped as `\ufffd`. Pure function.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp === 0x7f) {
      out += '\\x' + cp.toString(16).padStart(2, '0');
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      out += '\\ufffd';
    } else if (!isGoPrintable(cp)) {
      out +=
        cp > 0xffff
          ? '\\U' + cp.toString(16).padStart(8, '0')
          : '\\u' + cp.toString(16).padStart(4, '0');
    } else {
      out += ch;
    }
  }
  return out + '"';
}

/**
 * An approximation of Go's `strconv.IsPrint` good enough for API messages: everything is
 * printable except C0/C1 controls, DEL, the Unicode format and separator characters that Go
 * refuses, and unassigned code points JavaScript classifies as `\p{Cn}`.
 */
function isGoPrintable(cp: number): boolean {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp === 0xad) {
    return false;
  }
  const ch = String.fromCodePoint(cp);
  // Go treats only U+0020 as a printable space; other Z* characters are escaped.
  if (cp !== 0x20 && /\p{Z}/u.test(ch)) {
    return false;
  }
  return !/[\p{Cf}\p{Cn}\p{Co}\p{Cs}]/u.test(ch);
}

/**
 * The `Warning` response header (RFC 7234 §5.5 as Kubernetes uses it): `299 - "<text>"`.
 * Ported from k8s.io/apimachinery/pkg/util/net/http.go (NewWarningHeader, makeQuotedString)
 * and k8s.io/apiserver/pkg/endpoints/filters/warning.go (the per-request recorder: dedupe,
 * 4096-rune budget, then every warning truncated to 256 runes).
 */

/** Upstream's total budget of warning text per response, in runes. */
export const WARNING_TOTAL_RUNES = 4 * 1024;
/** Once over budget, each warning is cut to this many runes. */
export const WARNING_ITEM_RUNES = 256;

/** Thrown by {@link newWarningHeader} for values upstream refuses to encode. */
export class WarningHeaderError extends Error {
  override readonly name = 'WarningHeaderError';
}

/** Unicode control characters (Go's unicode.IsControl: C0, DEL, C1). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return true;
  }
  return false;
}

/** Lone UTF-16 surrogates cannot be encoded as UTF-8 (Go: invalid UTF-8). */
function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/**
 * Formats one warning header value: `<code, 3 digits> <agent or -> "<text>"`, with `"` and
 * `\` escaped in the text. Throws {@link WarningHeaderError} where upstream returns an error:
 * code outside 0..999, an agent with spaces, quotes, backslashes or control characters, a text
 * with control characters (so a multi-line text is never sent).
 */
export function newWarningHeader(code: number, agent: string, text: string): string {
  if (!Number.isInteger(code) || code < 0 || code > 999) {
    throw new WarningHeaderError('code must be between 0 and 999');
  }
  let a = agent;
  if (a.length === 0) {
    a = '-';
  } else if (hasLoneSurrogate(a) || /[\\"\s]/u.test(a) || hasControl(a)) {
    throw new WarningHeaderError(
      'agent must be valid UTF-8 and must not contain spaces, quotes, backslashes, or control characters',
    );
  }
  if (hasLoneSurrogate(text) || hasControl(text)) {
    throw new WarningHeaderError(
      'text must be valid UTF-8 and must not contain control characters',
    );
  }
  return `${String(code).padStart(3, '0')} ${a} "${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Node writes header values as latin1, and refuses characters above U+00FF; Go writes the
 * UTF-8 bytes. This re-encodes a header value so that Node sends the same bytes Go would
 * (each UTF-8 byte as one latin1 character). Pure ASCII comes back unchanged.
 */
export function toLatin1HeaderValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  const bytes = new TextEncoder().encode(value);
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** The text cut to `n` runes (code points), as Go's `string([]rune(text)[:n])`. */
function truncateRunes(text: string, n: number): { text: string; runes: number } {
  let runes = 0;
  let i = 0;
  while (i < text.length) {
    if (runes === n) return { text: text.slice(0, i), runes };
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    runes++;
  }
  return { text, runes };
}

function runeCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
    n++;
  }
  return n;
}

interface Recorded {
  readonly agent: string;
  readonly text: string;
}

/**
 * Collects the warnings of one request as upstream's recorder does: empty texts are ignored,
 * repeated texts are written once; while the total text stays within 4096 runes every warning
 * is written whole; the warning that would exceed it switches to truncation: all warnings so
 * far are rewritten cut to 256 runes, later ones are cut too, and once the budget is spent
 * again nothing more is added. Texts upstream cannot encode are dropped.
 *
 * One recorder per request; not shared across requests. `headers()` returns a new array of
 * header values (`299 - "..."`) in order.
 */
export class WarningRecorder {
  private readonly recorded = new Set<string>();
  private readonly ordered: Recorded[] = [];
  private values: string[] = [];
  private written = 0;
  private truncating = false;

  constructor(
    private readonly totalRunes = WARNING_TOTAL_RUNES,
    private readonly itemRunes = WARNING_ITEM_RUNES,
  ) {}

  /** Adds one warning (upstream AddWarning); `agent` '' is written as `-`. */
  add(text: string, agent = ''): void {
    if (text.length === 0) return;
    if (this.written >= this.totalRunes && this.truncating) return;
    if (this.recorded.has(text)) return;
    this.recorded.add(text);
    this.ordered.push({ agent, text });

    let t = text;
    let len = runeCount(text);
    if (this.truncating && len > this.itemRunes) {
      ({ text: t, runes: len } = truncateRunes(text, this.itemRunes));
    }
    let header: string;
    try {
      header = newWarningHeader(299, agent, t);
    } catch {
      return;
    }
    if (this.written + len <= this.totalRunes || this.truncating) {
      this.written += len;
      this.values.push(header);
      return;
    }

    // Over budget: switch to truncation and replay everything recorded so far.
    this.truncating = true;
    this.written = 0;
    this.values = [];
    for (const w of this.ordered) {
      const cut = truncateRunes(w.text, this.itemRunes);
      try {
        const h = newWarningHeader(299, w.agent, cut.text);
        this.written += cut.runes;
        this.values.push(h);
      } catch {
        // dropped, as upstream does for texts it cannot encode
      }
    }
  }

  /** Adds each warning in order. */
  addAll(texts: Iterable<string>, agent = ''): void {
    for (const t of texts) this.add(t, agent);
  }

  /** The `Warning` header values to send, in order (a new array). */
  headers(): string[] {
    return [...this.values];
  }
}

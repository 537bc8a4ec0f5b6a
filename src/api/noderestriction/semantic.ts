// apiequality.Semantic.DeepEqual for plain JSON: absent, null and Go zero values ('' 0 false
// [] {}) are equal, as a Go struct decoded from either form would be.

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') {
    for (const x of Object.values(v as Record<string, unknown>)) if (!isZero(x)) return false;
    return true;
  }
  return false;
}

/** Semantic deep equality of two JSON values (zero values equal absent ones). */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isZero(a) && isZero(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticEqual(a[i], b[i])) return false;
    return true;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const k of Object.keys(ra)) if (!semanticEqual(ra[k], rb[k])) return false;
    for (const k of Object.keys(rb)) if (!(k in ra) && !isZero(rb[k])) return false;
    return true;
  }
  return false;
}

/** Dotted paths at which two JSON values differ semantically (for error messages). */
export function semanticDiffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (semanticEqual(a, b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const out: string[] = [];
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      out.push(...semanticDiffPaths(a[k], b[k], prefix === '' ? k : `${prefix}.${k}`));
    }
    return out;
  }
  return [prefix === '' ? '.' : prefix];
}

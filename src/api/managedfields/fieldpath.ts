/**
 * Field paths and field sets, ported from sigs.k8s.io/structured-merge-diff/v4/fieldpath.
 *
 * A path element is kept in its canonical FieldsV1 key form (`f:name`, `k:{"name":"x"}`,
 * `v:"a"`, `i:0`): that string is the identity of the element, so sets are plain string-keyed
 * tries and building them from objects costs no parsing. Keys are only parsed when an order or
 * a human-readable form is needed (encoding, conflict messages).
 */
import { goQuote } from '../validation/index.ts';

/** A JSON value as stored in API objects. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A path: canonical path element keys from the root. */
export type Path = readonly string[];

/** True when `v` is a plain JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

const NEEDS_HTML_ESCAPE = /[<>&\u2028\u2029]/;
const HTML_ESCAPE_ALL = /[<>&\u2028\u2029]/g;

/**
 * JSON text as Go's encoding/json (HTML-escaping, which jsoniter's standard-library-compatible
 * config also does) writes it; object keys are sorted like Go map keys when `sortKeys`.
 */
export function goJson(v: unknown, sortKeys = true): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return NEEDS_HTML_ESCAPE.test(s) ? s.replace(HTML_ESCAPE_ALL, (c) => HTML_ESCAPES[c] ?? c) : s;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => goJson(x, sortKeys)).join(',')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    if (sortKeys) keys.sort(compareStrings);
    const rec = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of keys) {
      const x = rec[k];
      if (x === undefined) continue;
      parts.push(`${goJson(k)}:${goJson(x, sortKeys)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return 'null';
}

/** Byte-order string comparison for BMP text (Go's strings.Compare on UTF-8). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The key of a struct field or map entry. */
export function fieldKey(name: string): string {
  return `f:${name}`;
}

/** The key of an associative list item from its key fields (sorted by name, as upstream). */
export function keyKey(fields: readonly (readonly [string, JsonValue])[]): string {
  if (fields.length === 1 && fields[0] !== undefined) {
    return `k:{${goJson(fields[0][0])}:${goJson(fields[0][1])}}`;
  }
  const sorted =
    fields.length > 1 ? [...fields].sort((a, b) => compareStrings(a[0], b[0])) : fields;
  let out = 'k:{';
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i];
    if (f === undefined) continue;
    if (i > 0) out += ',';
    out += `${goJson(f[0])}:${goJson(f[1])}`;
  }
  return `${out}}`;
}

/** The key of a set item (a list keyed by its values). */
export function valueKey(v: JsonValue): string {
  return `v:${goJson(v)}`;
}

/** The key of an item of an atomic list addressed by position. */
export function indexKey(i: number): string {
  return `i:${String(i)}`;
}

/** A path element parsed from its key. */
export type PathElement =
  | { readonly type: 'field'; readonly name: string }
  | { readonly type: 'key'; readonly fields: readonly (readonly [string, JsonValue])[] }
  | { readonly type: 'value'; readonly value: JsonValue }
  | { readonly type: 'index'; readonly index: number };

/** Thrown for malformed FieldsV1 content; callers wrap it in upstream's messages. */
export class FieldsDecodeError extends Error {
  override readonly name = 'FieldsDecodeError';
}

const parsedCache = new Map<string, PathElement>();

/** Parses a path element key (`f:`, `k:`, `v:`, `i:`); throws FieldsDecodeError when malformed. */
export function parsePathElement(key: string): PathElement {
  const hit = parsedCache.get(key);
  if (hit !== undefined) return hit;
  const pe = parseUncached(key);
  if (parsedCache.size > 10000) parsedCache.clear();
  parsedCache.set(key, pe);
  return pe;
}

function parseUncached(key: string): PathElement {
  if (key.length < 2 || key[1] !== ':') {
    throw new FieldsDecodeError('unknown path element type');
  }
  const body = key.slice(2);
  switch (key[0]) {
    case 'f':
      return { type: 'field', name: body };
    case 'k': {
      const parsed = parseJson(body);
      if (!isJsonObject(parsed)) throw new FieldsDecodeError('expected key value pairs');
      const fields = Object.entries(parsed).sort((a, b) => compareStrings(a[0], b[0]));
      return { type: 'key', fields };
    }
    case 'v':
      return { type: 'value', value: parseJson(body) };
    case 'i': {
      if (!/^-?\d+$/.test(body)) throw new FieldsDecodeError(`invalid index ${goQuote(body)}`);
      return { type: 'index', index: Number(body) };
    }
    default:
      throw new FieldsDecodeError('unknown path element type');
  }
}

function parseJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new FieldsDecodeError(err instanceof Error ? err.message : String(err));
  }
}

/** Re-serialises a key in canonical form (sorted key fields, Go JSON); throws when malformed. */
export function canonicalKey(key: string): string {
  const c = key[0];
  if (c === 'f') {
    if (key[1] !== ':') throw new FieldsDecodeError('unknown path element type');
    return key;
  }
  const pe = parsePathElement(key);
  switch (pe.type) {
    case 'key':
      return keyKey(pe.fields);
    case 'value':
      return valueKey(pe.value);
    case 'index':
      return indexKey(pe.index);
    default:
      return key;
  }
}

function typeRank(pe: PathElement): number {
  switch (pe.type) {
    case 'field':
      return 0;
    case 'key':
      return 1;
    case 'value':
      return 2;
    default:
      return 3;
  }
}

function valueRank(v: JsonValue): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 2;
  if (typeof v === 'boolean') return 3;
  if (Array.isArray(v)) return 4;
  if (v === null) return 6;
  return 5;
}

/** Upstream value.Compare: numbers < strings < bools < lists < maps < null. */
export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < a.length && i < b.length; i++) {
      const c = compareValues(a[i] ?? null, b[i] ?? null);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a).sort(compareStrings);
    const kb = Object.keys(b).sort(compareStrings);
    for (let i = 0; i < ka.length && i < kb.length; i++) {
      const x = ka[i] ?? '';
      const y = kb[i] ?? '';
      const c = compareStrings(x, y);
      if (c !== 0) return c;
      const d = compareValues(a[x] ?? null, b[y] ?? null);
      if (d !== 0) return d;
    }
    return ka.length - kb.length;
  }
  return 0;
}

/** Upstream PathElement.Compare over keys: fields < keys < values < indexes. */
export function comparePathElements(a: string, b: string): number {
  if (a === b) return 0;
  if (a[0] === 'f' && b[0] === 'f') return compareStrings(a, b);
  const pa = parsePathElement(a);
  const pb = parsePathElement(b);
  const r = typeRank(pa) - typeRank(pb);
  if (r !== 0) return r;
  if (pa.type === 'key' && pb.type === 'key') {
    for (let i = 0; i < pa.fields.length && i < pb.fields.length; i++) {
      const fa = pa.fields[i];
      const fb = pb.fields[i];
      if (fa === undefined || fb === undefined) break;
      const c = compareStrings(fa[0], fb[0]);
      if (c !== 0) return c;
      const d = compareValues(fa[1], fb[1]);
      if (d !== 0) return d;
    }
    return pa.fields.length - pb.fields.length;
  }
  if (pa.type === 'value' && pb.type === 'value') return compareValues(pa.value, pb.value);
  if (pa.type === 'index' && pb.type === 'index') return pa.index - pb.index;
  return compareStrings(a, b);
}

/** upstream value.ToString, used in path strings. */
function valueToString(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  return Object.keys(v)
    .sort(compareStrings)
    .map((k) => `${k}=${valueToString(v[k] ?? null)}`)
    .join('');
}

/** PathElement.String(): `.name`, `[name="x"]`, `[="v"]`, `[0]`. */
export function pathElementString(key: string): string {
  if (key.startsWith('f:')) return `.${key.slice(2)}`;
  let pe: PathElement;
  try {
    pe = parsePathElement(key);
  } catch {
    return '{{invalid path element}}';
  }
  switch (pe.type) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map(([k, v]) => `${k}=${valueToString(v)}`).join(',')}]`;
    case 'value':
      return `[=${valueToString(pe.value)}]`;
    default:
      return `[${String(pe.index)}]`;
  }
}

/** Path.String(): `.spec.containers[name="nginx"].image`. */
export function pathString(path: Path): string {
  let out = '';
  for (const k of path) out += pathElementString(k);
  return out;
}

/**
 * A set of field paths (upstream fieldpath.Set): `members` are paths ending here, `children`
 * hold longer paths. Instances are mutable while being built; the set operations return new
 * sets and never modify their operands, so a set may be shared once built.
 */
export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  /** A set holding the given paths. */
  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds `path` (the empty path is ignored, as upstream's root is never a member). */
  insert(path: Path): void {
    if (path.length === 0) return;
    let node = this.child(path[0] ?? '');
    if (path.length === 1) {
      this.members.add(path[0] ?? '');
      if (node.empty()) this.children.delete(path[0] ?? '');
      return;
    }
    for (let i = 1; i < path.length - 1; i++) node = node.child(path[i] ?? '');
    node.members.add(path[path.length - 1] ?? '');
  }

  /**
   * The child set for `key`, created when missing. Internal to building: a created child must
   * receive a path before the set is used (the non-empty-children invariant).
   */
  child(key: string): FieldSet {
    let c = this.children.get(key);
    if (c === undefined) {
      c = new FieldSet();
      this.children.set(key, c);
    }
    return c;
  }

  /**
   * True when the set holds no path. O(1): every operation keeps the invariant that a child
   * set in `children` is never empty.
   */
  empty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  /** True when `path` is in the set. */
  has(path: Path): boolean {
    if (path.length === 0) return false;
    if (path.length === 1) return this.members.has(path[0] ?? '');
    let node = this.children.get(path[0] ?? '');
    for (let i = 1; i < path.length - 1 && node !== undefined; i++) {
      node = node.children.get(path[i] ?? '');
    }
    return node?.members.has(path[path.length - 1] ?? '') ?? false;
  }

  /** The paths below `key`, without it (upstream WithPrefix); an empty set when none. */
  withPrefix(key: string): FieldSet {
    return this.children.get(key) ?? EMPTY;
  }

  /** Paths in this set or `other`. */
  union(other: FieldSet): FieldSet {
    if (other.empty()) return this;
    if (this.empty()) return other;
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const m of other.members) out.members.add(m);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      out.children.set(k, o === undefined ? c : c.union(o));
    }
    for (const [k, o] of other.children) if (!this.children.has(k)) out.children.set(k, o);
    return out;
  }

  /** Paths in both sets. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (o === undefined) continue;
      const i = c.intersection(o);
      if (!i.empty()) out.children.set(k, i);
    }
    return out;
  }

  /** Paths in this set and not in `other`. */
  difference(other: FieldSet): FieldSet {
    if (other.empty()) return this;
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      const d = o === undefined ? c : c.difference(o);
      if (!d.empty()) out.children.set(k, d);
    }
    return out;
  }

  /** Paths in this set that neither are in `other` nor have a prefix in it. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.empty()) return this;
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const o = other.children.get(k);
      const d = o === undefined ? c : c.recursiveDifference(o);
      if (!d.empty()) out.children.set(k, d);
    }
    return out;
  }

  /** Paths with no other path of the set below them (upstream Leaves). */
  leaves(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) {
      const c = this.children.get(m);
      if (c === undefined || c.empty()) out.members.add(m);
    }
    for (const [k, c] of this.children) {
      const l = c.leaves();
      if (!l.empty()) out.children.set(k, l);
    }
    return out;
  }

  /** Calls `fn` for every path: this level's members first (sorted), then each child. */
  iterate(fn: (path: Path) => void, prefix: readonly string[] = []): void {
    for (const m of [...this.members].sort(comparePathElements)) fn([...prefix, m]);
    for (const k of [...this.children.keys()].sort(comparePathElements)) {
      this.children.get(k)?.iterate(fn, [...prefix, k]);
    }
  }

  /** All paths, in iteration order. */
  paths(): Path[] {
    const out: Path[] = [];
    this.iterate((p) => out.push(p));
    return out;
  }

  /** True when every path of this set is in `other` (`difference(other).empty()`, no copy). */
  isSubsetOf(other: FieldSet): boolean {
    for (const m of this.members) if (!other.members.has(m)) return false;
    for (const [k, c] of this.children) {
      if (c.empty()) continue;
      const o = other.children.get(k);
      if (o === undefined || !c.isSubsetOf(o)) return false;
    }
    return true;
  }

  /** True when both sets hold the same paths. */
  equals(other: FieldSet): boolean {
    return this.difference(other).empty() && other.difference(this).empty();
  }

  /** The FieldsV1 JSON object (upstream Set.ToJSON), keys in upstream order. */
  toFieldsV1(): JsonObject {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): JsonObject {
    const out: JsonObject = {};
    const keys = new Set<string>(this.members);
    for (const [k, c] of this.children) if (!c.empty()) keys.add(k);
    if (includeSelf && keys.size > 0) out['.'] = {};
    const sorted = [...keys].sort(comparePathElements);
    for (const k of sorted) {
      const c = this.children.get(k);
      out[k] = c === undefined || c.empty() ? {} : c.emit(this.members.has(k));
    }
    return out;
  }

  /**
   * Builds a set from a FieldsV1 object (upstream Set.FromJSON). Keys are canonicalised so that
   * equal elements written differently compare equal. Throws FieldsDecodeError when malformed.
   */
  static fromFieldsV1(fields: unknown): FieldSet {
    if (!isJsonObject(fields)) throw new FieldsDecodeError('expected an object');
    const s = new FieldSet();
    readInto(s, fields);
    return s;
  }
}

const canonicalCache = new Map<string, string>();

function canonical(key: string): string {
  if (key.startsWith('f:')) return key;
  let c = canonicalCache.get(key);
  if (c === undefined) {
    c = canonicalKey(key);
    if (canonicalCache.size > 10000) canonicalCache.clear();
    canonicalCache.set(key, c);
  }
  return c;
}

/** Reads one FieldsV1 level; returns whether the level held the `.` (self) marker. */
function readInto(s: FieldSet, fields: JsonObject): boolean {
  let self = false;
  for (const rawKey in fields) {
    const v = fields[rawKey];
    if (rawKey === '.') {
      self = true;
      continue;
    }
    const key = canonical(rawKey);
    if (!isJsonObject(v)) throw new FieldsDecodeError('expected an object');
    let hasChild = false;
    for (const _ in v) {
      hasChild = true;
      break;
    }
    if (!hasChild) {
      s.members.add(key);
      continue;
    }
    const child = s.child(key);
    if (readInto(child, v)) s.members.add(key);
    if (child.empty()) s.children.delete(key);
  }
  return self;
}

const EMPTY = new FieldSet();

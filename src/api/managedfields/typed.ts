/**
 * Typed operations on JSON values (upstream structured-merge-diff typed package): the field set
 * of a value, the comparison of two values, the apply merge and item removal. Values are never
 * modified; results share unchanged subtrees with the inputs.
 */
import {
  FieldSet,
  fieldKey,
  isJsonObject,
  keyKey,
  pathElementString,
  pathString,
  valueKey,
} from './fieldpath.ts';
import type { JsonObject, JsonValue, Path } from './fieldpath.ts';
import type { ListType, MapType, TypeNode } from './schema.ts';
import { DEDUCED } from './schema.ts';

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let n = 0;
  for (const k in a) {
    n++;
    const bv = b[k];
    if (bv === undefined || !jsonEqual(a[k], bv)) return false;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** How a value is walked under a type. */
type Shape = 'map' | 'list' | 'leaf';

function shapeOf(t: TypeNode, v: JsonValue | undefined): Shape {
  switch (t.kind) {
    case 'deduced':
      // null matches every alternative of the deduced atom; upstream picks the map one first.
      return v === null || isJsonObject(v) ? 'map' : 'leaf';
    case 'scalar':
      return 'leaf';
    case 'map':
      if (t.atomic) return 'leaf';
      return v === null || v === undefined || isJsonObject(v) ? 'map' : 'leaf';
    default:
      if (t.relationship === 'atomic') return 'leaf';
      return v === null || v === undefined || Array.isArray(v) ? 'list' : 'leaf';
  }
}

/** The map type to walk `v` with: deduced objects are granular maps of deduced values. */
const DEDUCED_MAP: MapType = {
  kind: 'map',
  fields: new Map(),
  elem: DEDUCED,
  atomic: false,
  alwaysPresent: new Set(),
  defaults: new Map(),
};

function asMapType(t: TypeNode): MapType {
  return t.kind === 'map' ? t : DEDUCED_MAP;
}

function fieldType(m: MapType, key: string): TypeNode | undefined {
  return m.fields.get(key) ?? m.elem;
}

/** One validation problem, rendered as upstream's `<path>: <message>`. */
export interface TypedError {
  path: Path;
  message: string;
}

/** upstream ValidationErrors.Error(): one error alone, or `errors:\n  a\n  b`. */
export function typedErrorsMessage(errs: readonly TypedError[]): string {
  const render = (e: TypedError): string => {
    const p = pathString(e.path);
    return p === '' ? e.message : `${p}: ${e.message}`;
  };
  if (errs.length === 1 && errs[0] !== undefined) return render(errs[0]);
  return `errors:\n  ${errs.map(render).join('\n  ')}`;
}

/**
 * The key of a list item (upstream listItemToPathElement), or an error message when the item
 * cannot be keyed. Missing key fields take the scalar `default` of the item schema.
 */
export function itemKey(t: ListType, item: JsonValue): string | { error: string } {
  if (t.relationship === 'map') {
    if (item === null) return { error: 'associative list with keys may not have a null element' };
    if (!isJsonObject(item)) {
      return { error: 'associative list with keys may not have non-map elements' };
    }
    const fields: [string, JsonValue][] = [];
    for (const k of t.keys) {
      const v = item[k];
      if (v !== undefined) {
        fields.push([k, v]);
        continue;
      }
      const def = t.elem.kind === 'map' ? t.elem.defaults.get(k) : undefined;
      if (def !== undefined) {
        fields.push([k, def as JsonValue]);
        continue;
      }
      return {
        error: `associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`,
      };
    }
    return keyKey(fields);
  }
  if (isJsonObject(item)) {
    return { error: "associative list without keys has an element that's a map type" };
  }
  if (Array.isArray(item))
    return { error: 'not supported: associative list with lists as elements' };
  if (item === null) {
    return { error: "associative list without keys has an element that's an explicit null" };
  }
  return valueKey(item);
}

/** Items of a granular list with their keys; unkeyable items are reported and skipped. */
function indexItems(
  t: ListType,
  list: readonly JsonValue[],
  path: string[] | undefined,
  errs: TypedError[] | undefined,
  reportDuplicates: boolean,
): { order: string[]; items: Map<string, JsonValue> } {
  const order: string[] = [];
  const items = new Map<string, JsonValue>();
  for (let i = 0; i < list.length; i++) {
    const item = list[i] ?? null;
    const k = itemKey(t, item);
    if (typeof k !== 'string') {
      errs?.push({ path: [...(path ?? [])], message: `element ${String(i)}: ${k.error}` });
      continue;
    }
    if (items.has(k)) {
      if (reportDuplicates) {
        errs?.push({
          path: [...(path ?? [])],
          message: `duplicate entries for key ${pathElementString(k)}`,
        });
      }
      continue;
    }
    items.set(k, item);
    order.push(k);
  }
  return { order, items };
}

/**
 * The set of fields `value` sets (upstream TypedValue.ToFieldSet). When `errs` is given, the
 * value is also validated against the type like upstream's typed conversion of an applied
 * configuration (undeclared fields, unkeyable or duplicate list items).
 */
export function toFieldSet(value: JsonValue, type: TypeNode, errs?: TypedError[]): FieldSet {
  const set = new FieldSet();
  walkSet(value, type, [], set, errs);
  return set;
}

function walkSet(
  v: JsonValue,
  t: TypeNode,
  path: string[],
  set: FieldSet,
  errs: TypedError[] | undefined,
): void {
  const shape = shapeOf(t, v);
  if (shape === 'leaf') {
    if (errs !== undefined && v !== null && t.kind !== 'deduced' && t.kind !== 'scalar') {
      const want = t.kind === 'map' ? 'map' : 'list';
      const isAtomicOk = t.kind === 'map' ? isJsonObject(v) : Array.isArray(v);
      if (!isAtomicOk)
        errs.push({ path: [...path], message: `expected ${want}, got ${kindName(v)}` });
    } else if (errs !== undefined && t.kind === 'scalar' && typeof v === 'object' && v !== null) {
      errs.push({ path: [...path], message: `expected scalar, got ${kindName(v)}` });
    }
    set.insert(path);
    return;
  }
  if (shape === 'list') {
    if (!Array.isArray(v)) return;
    const lt = t as ListType;
    const { order, items } = indexItems(lt, v, path, errs, errs !== undefined);
    for (const k of order) {
      path.push(k);
      walkSet(items.get(k) ?? null, lt.elem, path, set, errs);
      set.insert(path);
      path.pop();
    }
    return;
  }
  if (!isJsonObject(v)) return;
  const m = asMapType(t);
  for (const key in v) {
    const child = v[key];
    if (child === undefined) continue;
    const declared = m.fields.get(key);
    const ft = declared ?? m.elem;
    path.push(fieldKey(key));
    if (ft === undefined) {
      errs?.push({ path: [...path], message: 'field not declared in schema' });
      path.pop();
      continue;
    }
    walkSet(child, ft, path, set, errs);
    if (child === null || (isJsonObject(child) && isEmptyObject(child)) || declared === undefined) {
      set.insert(path);
    }
    path.pop();
  }
}

function kindName(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

function isEmptyObject(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}

function isEmptyish(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isJsonObject(v)) return isEmptyObject(v);
  return false;
}

/** The fields added, modified and removed between two values (upstream typed.Comparison). */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** True when the comparison found no difference. */
export function comparisonEmpty(c: Comparison): boolean {
  return c.added.empty() && c.modified.empty() && c.removed.empty();
}

/** The comparison without the given fields and anything below them (upstream ExcludeFields). */
export function excludeFields(c: Comparison, fields: FieldSet | undefined): Comparison {
  if (fields === undefined || fields.empty()) return c;
  return {
    added: c.added.recursiveDifference(fields),
    modified: c.modified.recursiveDifference(fields),
    removed: c.removed.recursiveDifference(fields),
  };
}

/**
 * Compares `lhs` (old) with `rhs` (new) under `type` (upstream TypedValue.Compare): leaves
 * that differ, plus non-leaf items (struct fields, map entries, list items) that appear or
 * disappear. Value structs of built-in types count as present on both sides, as upstream's Go
 * objects always serialise them. Subtrees named by `ignored` are skipped, which gives the same
 * result as upstream's Comparison.ExcludeFields(ignored) without walking them.
 */
export function compare(
  lhs: JsonValue,
  rhs: JsonValue,
  type: TypeNode,
  ignored?: FieldSet,
): Comparison {
  const c: Comparison = {
    added: new FieldSet(),
    modified: new FieldSet(),
    removed: new FieldSet(),
  };
  walkCompare(
    lhs,
    rhs,
    type,
    [],
    c,
    ignored !== undefined && !ignored.empty() ? ignored : undefined,
  );
  return c;
}

function walkCompare(
  l: JsonValue | undefined,
  r: JsonValue | undefined,
  t: TypeNode,
  path: string[],
  c: Comparison,
  ig: FieldSet | undefined,
): void {
  if (l === r) return;
  if (l === undefined && r === undefined) return;
  const ls = l === undefined ? undefined : shapeOf(t, l);
  const rs = r === undefined ? undefined : shapeOf(t, r);
  const shape = rs ?? ls ?? 'leaf';
  if (ls !== undefined && rs !== undefined && ls !== rs) {
    // The value changed kind: the old children are gone and the new ones appear.
    if (ls !== 'leaf') walkChildren(ls, l, undefined, t, path, c, ig);
    if (rs !== 'leaf') walkChildren(rs, undefined, r, t, path, c, ig);
    c.modified.insert(path);
    return;
  }
  if (shape === 'leaf' || (isEmptyish(l) && isEmptyish(r))) {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!jsonEqual(l, r)) c.modified.insert(path);
    return;
  }
  walkChildren(shape, l, r, t, path, c, ig);
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
}

function walkChildren(
  shape: Shape,
  l: JsonValue | undefined,
  r: JsonValue | undefined,
  t: TypeNode,
  path: string[],
  c: Comparison,
  ig: FieldSet | undefined,
): void {
  if (shape === 'list') {
    const lt = t as ListType;
    const li = Array.isArray(l) ? indexItems(lt, l, undefined, undefined, false) : undefined;
    const ri = Array.isArray(r) ? indexItems(lt, r, undefined, undefined, false) : undefined;
    if (li !== undefined) {
      for (const k of li.order) {
        if (ig?.members.has(k) === true) continue;
        path.push(k);
        walkCompare(li.items.get(k), ri?.items.get(k), lt.elem, path, c, ig?.children.get(k));
        path.pop();
      }
    }
    if (ri !== undefined) {
      for (const k of ri.order) {
        if (li?.items.has(k) === true || ig?.members.has(k) === true) continue;
        path.push(k);
        walkCompare(undefined, ri.items.get(k), lt.elem, path, c, ig?.children.get(k));
        path.pop();
      }
    }
    return;
  }
  const m = asMapType(t);
  const lo = isJsonObject(l) ? l : undefined;
  const ro = isJsonObject(r) ? r : undefined;
  const always = m.alwaysPresent;
  if (lo !== undefined) {
    for (const key in lo) {
      let lv = lo[key];
      let rv = ro?.[key];
      if (lv === rv) continue;
      const fk = fieldKey(key);
      if (ig?.members.has(fk) === true) continue;
      if (always.size > 0 && always.has(key)) {
        lv ??= {};
        rv ??= {};
      }
      path.push(fk);
      walkCompare(lv, rv, fieldType(m, key) ?? DEDUCED, path, c, ig?.children.get(fk));
      path.pop();
    }
  }
  if (ro !== undefined) {
    for (const key in ro) {
      if (lo !== undefined && key in lo) continue;
      const fk = fieldKey(key);
      if (ig?.members.has(fk) === true) continue;
      const lv = always.size > 0 && always.has(key) ? {} : undefined;
      path.push(fk);
      walkCompare(lv, ro[key], fieldType(m, key) ?? DEDUCED, path, c, ig?.children.get(fk));
      path.pop();
    }
  }
}

/**
 * Merges an applied configuration into a live value (upstream TypedValue.Merge with the
 * keep-right rule): the configuration wins on leaves; maps merge per key; granular lists merge
 * per item key, keeping the configuration's order for the items it names and live-only items
 * where they were.
 */
export function merge(
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
  t: TypeNode,
): JsonValue | undefined {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  const ls = shapeOf(t, lhs);
  const rs = shapeOf(t, rhs);
  if (ls !== rs || rs === 'leaf') return rhs;
  if (isEmptyish(lhs) && isEmptyish(rhs)) return rhs;
  if (rs === 'list') {
    const lt = t as ListType;
    const li = indexItems(lt, Array.isArray(lhs) ? lhs : [], undefined, undefined, false);
    const ri = indexItems(lt, Array.isArray(rhs) ? rhs : [], undefined, undefined, false);
    return mergeList(li, ri, lt);
  }
  const m = asMapType(t);
  const lo = isJsonObject(lhs) ? lhs : {};
  const ro = isJsonObject(rhs) ? rhs : {};
  const out: JsonObject = {};
  for (const key in lo) {
    const v = merge(lo[key], ro[key], fieldType(m, key) ?? DEDUCED);
    if (v !== undefined) out[key] = v;
  }
  for (const key in ro) {
    if (key in lo) continue;
    const v = ro[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function mergeList(
  l: { order: string[]; items: Map<string, JsonValue> },
  r: { order: string[]; items: Map<string, JsonValue> },
  t: ListType,
): JsonValue[] {
  const out: JsonValue[] = [];
  const shared: string[] = r.order.filter((k) => l.items.has(k));
  let sharedIdx = 0;
  let nextShared: string | undefined = shared[sharedIdx++];
  const push = (k: string): void => {
    const v = merge(l.items.get(k), r.items.get(k), t.elem);
    if (v !== undefined) out.push(v);
  };
  const lLen = l.order.length;
  const rLen = r.order.length;
  let lI = 0;
  let rI = 0;
  while (lI < lLen || rI < rLen) {
    if (lI < lLen && rI < rLen) {
      const pe = l.order[lI] ?? '';
      if (pe === r.order[rI]) {
        push(pe);
        lI++;
        rI++;
        nextShared = shared[sharedIdx++];
        continue;
      }
      if (r.items.has(pe) && nextShared !== undefined && nextShared !== pe) {
        lI++;
        continue;
      }
    }
    if (lI < lLen) {
      const pe = l.order[lI] ?? '';
      if (!r.items.has(pe)) {
        const v = l.items.get(pe);
        if (v !== undefined) out.push(v);
        lI++;
        continue;
      }
    }
    if (rI < rLen) {
      const pe = r.order[rI] ?? '';
      push(pe);
      rI++;
      if (nextShared !== undefined && nextShared === pe) nextShared = shared[sharedIdx++];
    }
  }
  return out;
}

/**
 * The value without the paths of `toRemove` (upstream TypedValue.RemoveItems): map entries,
 * struct fields and list items named by the set go; entries emptied that way go too.
 * A map or list left empty becomes null, as upstream (Go drops such nulls when decoding).
 */
export function removeItems(v: JsonValue, t: TypeNode, toRemove: FieldSet): JsonValue {
  if (toRemove.empty()) return v;
  const shape = shapeOf(t, v);
  if (shape === 'leaf') return v;
  if (shape === 'list') {
    if (!Array.isArray(v) || v.length === 0) return v;
    const lt = t as ListType;
    const out: JsonValue[] = [];
    for (const item of v) {
      const k = itemKey(lt, item);
      if (typeof k !== 'string') {
        out.push(item);
        continue;
      }
      if (toRemove.members.has(k)) continue;
      const sub = toRemove.children.get(k);
      if (sub !== undefined && !sub.empty()) {
        const r = removeItems(item, lt.elem, sub);
        out.push(r);
      } else {
        out.push(item);
      }
    }
    return out.length > 0 ? out : null;
  }
  if (!isJsonObject(v) || isEmptyObject(v)) return v;
  const m = asMapType(t);
  const out: JsonObject = {};
  let n = 0;
  for (const key in v) {
    const child = v[key];
    if (child === undefined) continue;
    const fk = fieldKey(key);
    if (toRemove.members.has(fk)) continue;
    const sub = toRemove.children.get(fk);
    if (sub !== undefined && !sub.empty()) {
      const r = removeItems(child, fieldType(m, key) ?? DEDUCED, sub);
      out[key] = r;
    } else {
      out[key] = child;
    }
    n++;
  }
  return n > 0 ? out : null;
}

/**
 * The value without null object entries, at any depth: what decoding into Go structs and
 * encoding again does to optional fields. Returns `v` itself when it holds no such entry.
 */
export function dropNullFields(v: JsonValue): JsonValue {
  if (Array.isArray(v)) {
    let out: JsonValue[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item = v[i] ?? null;
      const d = dropNullFields(item);
      if (d !== item) {
        out ??= v.slice();
        out[i] = d;
      }
    }
    return out ?? v;
  }
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  let changed = false;
  for (const key in v) {
    const child = v[key];
    if (child === undefined) continue;
    if (child === null) {
      changed = true;
      continue;
    }
    const d = dropNullFields(child);
    if (d !== child) changed = true;
    out[key] = d;
  }
  return changed ? out : v;
}

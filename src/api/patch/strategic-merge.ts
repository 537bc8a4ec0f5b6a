/**
 * Strategic merge patch, apply direction, ported from Kubernetes 1.32
 * staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (`StrategicMergeMapPatch`
 * with the server's options MergeParallelList=true and IgnoreUnmatchedNulls=true).
 *
 * Semantics: maps merge recursively and `null` deletes a key; lists whose field has
 * `patchStrategy: merge` merge by `patchMergeKey` (lists of objects) or as sets (lists of
 * scalars), other lists are replaced. Directives: `$patch: replace|delete` on a map,
 * `$patch: delete|replace` as a list element, `$setElementOrder/<field>`, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>`. Element order follows upstream's rules: the order given
 * by `$setElementOrder` (or the patch list), interleaved with server-only items in their live
 * order.
 */
import type { PatchError } from './errors.ts';
import { badRequest, internal, unprocessable } from './errors.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { GoSlice } from './go-slice.ts';
import { deepCopy, goFormat, goTypeName, isJsonObject, jsonKind } from './json.ts';
import type { JsonKind } from './json.ts';
import type { PatchMeta } from './patch-meta.ts';
import { EMPTY_PATCH_META } from './patch-meta.ts';

const DIRECTIVE_MARKER = '$patch';
const DELETE_DIRECTIVE = 'delete';
const REPLACE_DIRECTIVE = 'replace';
const MERGE_DIRECTIVE = 'merge';
const RETAIN_KEYS_STRATEGY = 'retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const RETAIN_KEYS_DIRECTIVE = '$' + RETAIN_KEYS_STRATEGY;
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

// mergepatch errors, classified as handlers/patch.go interpretStrategicMergePatchError does.
const errBadPatchFormatForPrimitiveList = (): PatchError =>
  badRequest('invalid patch format of primitive list');
const errBadPatchFormatForRetainKeys = (): PatchError =>
  badRequest('invalid patch format of retainKeys');
const errBadPatchFormatForSetElementOrderList = (): PatchError =>
  badRequest('invalid patch format of setElementOrder list');
const errNoListOfLists = (): PatchError => unprocessable('lists of lists are not supported');
const errNoMergeKey = (m: JsonObject, k: string): PatchError =>
  internal(`map: ${goFormat(m)} does not contain declared merge key: ${k}`);
const errBadArgType = (expected: string, actual: JsonValue | undefined): PatchError =>
  internal(`expected a ${expected}, but received a ${goTypeName(actual)}`);
const errBadPatchType = (t: JsonValue, m: JsonObject): PatchError =>
  internal(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);

const MAP_TYPE = 'map[string]interface {}';
const SLICE_TYPE = '[]interface {}';

/** What LookupPatchMetadataFor{Struct,Slice} returns: the sub-struct and the field's tags. */
interface FieldLookup {
  sub: PatchMeta;
  strategies: string[];
  mergeKey: string;
}

function lookup(schema: PatchMeta, key: string): FieldLookup {
  const f = Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
  if (f === undefined) return { sub: EMPTY_PATCH_META, strategies: [], mergeKey: '' };
  return {
    sub: f.elem ?? EMPTY_PATCH_META,
    strategies: f.patchStrategy === undefined ? [] : f.patchStrategy.split(','),
    mergeKey: f.patchMergeKey ?? '',
  };
}

/** extractRetainKeysPatchStrategy: the strategy other than retainKeys ('' for none). */
function patchStrategyOf(strategies: readonly string[]): string {
  switch (strategies.length) {
    case 0:
      return '';
    case 1:
      return strategies[0] === RETAIN_KEYS_STRATEGY ? '' : (strategies[0] ?? '');
    case 2:
      if (strategies[0] === RETAIN_KEYS_STRATEGY) return strategies[1] ?? '';
      if (strategies[1] === RETAIN_KEYS_STRATEGY) return strategies[0] ?? '';
  }
  throw internal(`unexpected patch strategy: ${goFormat([...strategies])}`);
}

function del(m: JsonObject, k: string): void {
  // Keys come from parsed JSON; deleting own properties of a plain object is safe.
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
  delete m[k];
}

/** Go `==` on two decoded JSON values; maps and slices are never equal (Go would panic). */
function goEq(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return (a ?? null) === (b ?? null);
}

/**
 * Applies a strategic merge patch (already parsed) to `original` using `schema` for the
 * field strategies, and returns the result. Both inputs are copied first, so neither is
 * changed and the caller owns the result. Directive keys never appear in the result.
 * Throws PatchError, classified as the API server classifies the failure.
 */
export function strategicMergePatch(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchMeta,
): JsonObject {
  return mergeMap(deepCopy(original), deepCopy(patch), schema);
}

/**
 * Removes directive keys from a value the patch supplies as a whole (a new field or list
 * element, a replaced list or map) and returns it. Upstream leaves them in its unstructured
 * result and drops them when it decodes the typed object; our objects stay JSON, so they go
 * here. Values that came from the original are never touched (a ControllerRevision's `data`
 * legitimately holds `$patch` keys).
 */
function fromPatch<T extends JsonValue>(v: T): T {
  if (Array.isArray(v)) {
    for (const e of v) fromPatch(e);
  } else if (isJsonObject(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (
        k === DIRECTIVE_MARKER ||
        k === RETAIN_KEYS_DIRECTIVE ||
        k.startsWith(SET_ELEMENT_ORDER_PREFIX + '/') ||
        k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX + '/')
      ) {
        del(v, k);
      } else {
        fromPatch(e);
      }
    }
  }
  return v;
}

function handleDirectiveInMergeMap(directive: JsonValue, patch: JsonObject): JsonObject {
  if (directive === REPLACE_DIRECTIVE) {
    // "$patch: replace": the patch map (without the marker) is the result.
    del(patch, DIRECTIVE_MARKER);
    return fromPatch(patch);
  }
  if (directive === DELETE_DIRECTIVE) return {};
  throw errBadPatchType(directive, patch);
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchMeta): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE_MARKER)) {
    return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER] ?? null, patch);
  }
  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema);

  for (const [rawKey, patchV] of Object.entries(patch)) {
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      k = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      isDeleteList = true;
    }

    // null deletes; unmatched nulls are ignored on the server.
    if (patchV === null) {
      del(original, k);
      continue;
    }

    const cur = Object.hasOwn(original, k) ? original[k] : undefined;
    if (cur === undefined || jsonKind(cur) !== jsonKind(patchV)) {
      if (!isDeleteList) {
        discardNullValuesFromPatch(patchV);
        const [v, keep] = removeDirectives(patchV);
        if (keep) original[k] = fromPatch(v);
        else del(original, k);
      }
      continue;
    }

    if (isJsonObject(cur)) {
      const f = lookup(schema, k);
      original[k] = mergeMapHandler(cur, patchV, f.sub, patchStrategyOf(f.strategies));
    } else if (Array.isArray(cur)) {
      const f = lookup(schema, k);
      original[k] = mergeSliceHandler(
        GoSlice.decoded(cur),
        patchV,
        f.sub,
        patchStrategyOf(f.strategies),
        f.mergeKey,
        isDeleteList,
      );
    } else {
      const [v, keep] = removeDirectives(patchV);
      if (keep) original[k] = fromPatch(v);
      else del(original, k);
    }
  }
  return original;
}

/** Drops null members everywhere inside a value that is added rather than merged. */
function discardNullValuesFromPatch(v: JsonValue): void {
  if (Array.isArray(v)) {
    for (const e of v) discardNullValuesFromPatch(e);
  } else if (isJsonObject(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (e === null) del(v, k);
      else discardNullValuesFromPatch(e);
    }
  }
}

/**
 * removeDirectives: a map carrying `$patch` is dropped (keep=false), and so are such maps
 * nested in maps and lists.
 */
function removeDirectives(v: JsonValue): [JsonValue, boolean] {
  if (Array.isArray(v)) {
    const res: JsonValue[] = [];
    for (const e of v) {
      const [nv, keep] = removeDirectives(e);
      if (keep) res.push(nv);
    }
    return [res, true];
  }
  if (isJsonObject(v)) {
    if (Object.hasOwn(v, DIRECTIVE_MARKER)) return [null, false];
    for (const [k, e] of Object.entries(v)) {
      const [nv, keep] = removeDirectives(e);
      if (keep) v[k] = nv;
      else del(v, k);
    }
    return [v, true];
  }
  return [v, true];
}

function mergeMapHandler(
  original: JsonObject,
  patch: JsonValue,
  sub: PatchMeta,
  strategy: string,
): JsonObject {
  if (!isJsonObject(patch)) throw errBadArgType(MAP_TYPE, patch);
  return strategy !== REPLACE_DIRECTIVE ? mergeMap(original, patch, sub) : fromPatch(patch);
}

function mergeSliceHandler(
  original: GoSlice,
  patch: JsonValue | undefined,
  sub: PatchMeta,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
): JsonValue[] {
  if (!Array.isArray(patch)) throw errBadArgType(SLICE_TYPE, patch);
  // Deletion lists apply whatever the field's strategy is.
  if (strategy === MERGE_DIRECTIVE || isDeleteList) {
    return mergeSlice(original, patch, sub, mergeKey, isDeleteList);
  }
  return fromPatch(patch);
}

/** extractKey: the field name after `<prefix>/`. */
function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX) throw errBadPatchFormatForPrimitiveList();
    throw errBadPatchFormatForSetElementOrderList();
  }
  return s.slice(slash + 1);
}

/**
 * applyRetainKeysDirective: with `$retainKeys` in the patch, every patch key (other than
 * nulls and parallel lists) must be listed, and original keys not listed are cleared.
 */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retain = patch[RETAIN_KEYS_DIRECTIVE];
  del(patch, RETAIN_KEYS_DIRECTIVE);
  if (!Array.isArray(retain)) throw errBadPatchFormatForRetainKeys();
  const keep = new Set<JsonValue>(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (
      v === null ||
      k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) ||
      k.startsWith(SET_ELEMENT_ORDER_PREFIX)
    ) {
      continue;
    }
    if (!keep.has(k)) throw errBadPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) {
    if (!keep.has(k)) del(original, k);
  }
}

/**
 * mergePatchIntoOriginal: handles each `$setElementOrder/<field>` together with the patch list
 * of that field (merging it), then orders the merged list. Consumed keys leave `patch`.
 */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: PatchMeta): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const order = patch[key] ?? null;
    del(patch, key);
    if (!Array.isArray(order)) throw errBadArgType(SLICE_TYPE, order);
    const originalKey = extractKey(key, SET_ELEMENT_ORDER_PREFIX);

    const foundOriginal = Object.hasOwn(original, originalKey);
    const foundPatch = Object.hasOwn(patch, originalKey);
    let originalList: JsonValue[] = [];
    let patchList: JsonValue[] = [];
    if (foundOriginal) {
      const v = original[originalKey] ?? null;
      if (!Array.isArray(v)) throw errBadArgType(SLICE_TYPE, v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[originalKey] ?? null;
      if (!Array.isArray(v)) throw errBadArgType(SLICE_TYPE, v);
      patchList = v;
    }
    const f = lookup(schema, originalKey);
    const strategy = patchStrategyOf(f.strategies);
    validatePatchWithSetOrderList(patchList, order, f.mergeKey);

    let merged: JsonValue[];
    if (foundOriginal && !foundPatch) {
      merged = originalList;
    } else if (!foundOriginal && foundPatch) {
      merged = fromPatch(removeDirectives(patchList)[0]) as JsonValue[];
    } else if (foundOriginal && foundPatch) {
      // The live list is merged in place: deletions shift its backing array and appends may
      // land in it, and the ordering below reads the live list through the old header.
      const live = GoSlice.decoded(originalList);
      merged = mergeSliceHandler(live, patchList, f.sub, strategy, f.mergeKey, false);
      originalList = live.toArray();
    } else {
      continue;
    }

    const [patchItems, serverOnly] =
      f.mergeKey === ''
        ? partitionPrimitivesByPresentInList(merged, order)
        : partitionMapsByPresentInList(merged, order, f.mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    original[originalKey] = normalizeElementOrder(
      patchItems,
      serverOnly,
      order,
      originalList,
      f.mergeKey,
      kind,
    );
    del(patch, originalKey);
  }
}

/**
 * validatePatchWithSetOrderList: the patch list items (deletions and directive items aside)
 * must appear in `$setElementOrder` in the same relative order.
 */
function validatePatchWithSetOrderList(
  patchList: JsonValue[],
  order: JsonValue[],
  mergeKey: string,
): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey !== '' ? extractToDeleteItems(patchList)[0] : patchList;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < order.length) {
    const item = nonDelete[pi] ?? null;
    if (isJsonObject(item) && Object.hasOwn(item, DIRECTIVE_MARKER)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[si] ?? null, mergeKey)) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= order.length) {
    throw internal(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goFormat(order)}\n`,
    );
  }
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey === '') return goEq(left, right);
  if (!isJsonObject(left)) throw errBadArgType(MAP_TYPE, left);
  if (!isJsonObject(right)) throw errBadArgType(MAP_TYPE, right);
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return goEq(left[mergeKey], right[mergeKey]);
}

/** Splits a list of maps into items to keep and `$patch: delete` items. */
function extractToDeleteItems(l: JsonValue[]): [JsonValue[], JsonValue[]] {
  const nonDelete: JsonValue[] = [];
  const toDelete: JsonValue[] = [];
  for (const v of l) {
    if (!isJsonObject(v)) throw errBadArgType(MAP_TYPE, v);
    if (v[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) toDelete.push(v);
    else nonDelete.push(v);
  }
  return [nonDelete, toDelete];
}

/** Element kind shared by all elements of the lists (sliceElementType). */
function sliceElementKind(...lists: JsonValue[][]): JsonKind {
  let prev: JsonKind | undefined;
  for (const l of lists) {
    for (const v of l) {
      const k = jsonKind(v);
      if (prev === undefined) {
        if (k === 'slice') throw errNoListOfLists();
        prev = k;
      } else if (prev !== k) {
        throw internal(
          `list element types are not identical: ${goFormat(lists.map((x) => [...x]))}`,
        );
      }
    }
  }
  if (prev === undefined) throw internal('no elements in any of the given slices');
  return prev;
}

function mergeSlice(
  original: GoSlice,
  patch: JsonValue[],
  sub: PatchMeta,
  mergeKey: string,
  isDeleteList: boolean,
): JsonValue[] {
  if (original.len === 0 && patch.length === 0) return original.toArray();
  const kind = sliceElementKind(original.toArray(), patch);

  let merged: JsonValue[];
  let server = original;
  let patchOrder = patch;
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original.toArray(), patch);
    merged = deduplicateScalars(original.append(...patch)).toArray();
  } else {
    if (mergeKey === '') throw internal(`cannot merge lists without merge key for ${sub.name}`);
    [server, patchOrder] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    merged = mergeSliceWithoutSpecialElements(server, patchOrder, mergeKey, sub).toArray();
  }
  const serverOrder = server.toArray();

  const [patchItems, serverOnly] =
    mergeKey === ''
      ? partitionPrimitivesByPresentInList(merged, patchOrder)
      : partitionMapsByPresentInList(merged, patchOrder, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patchOrder, serverOrder, mergeKey, kind);
}

/**
 * Applies the `$patch` list elements: `delete` removes every original item with that key,
 * `replace` makes the non-directive patch items the whole list. Returns the updated original
 * and the patch without directive items.
 */
function mergeSliceWithSpecialElements(
  original: GoSlice,
  patch: JsonValue[],
  mergeKey: string,
): [GoSlice, JsonValue[]] {
  const without: JsonValue[] = [];
  let replace = false;
  let out = original;
  for (const v of patch) {
    const m = v as JsonObject;
    if (!Object.hasOwn(m, DIRECTIVE_MARKER)) {
      without.push(v);
      continue;
    }
    const directive = m[DIRECTIVE_MARKER] ?? null;
    if (directive === DELETE_DIRECTIVE) {
      if (!Object.hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
      out = deleteMatchingEntries(out, mergeKey, m[mergeKey] ?? null);
    } else if (directive === REPLACE_DIRECTIVE) {
      // Keep scanning to drop any other directive items.
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      throw internal('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, m);
    }
  }
  return replace ? [GoSlice.decoded(fromPatch(without)), []] : [out, without];
}

function findMapInSliceBasedOnKeyValue(m: JsonValue[], key: string, value: JsonValue): number {
  for (let i = 0; i < m.length; i++) {
    const v = m[i] ?? null;
    if (!isJsonObject(v)) throw internal(`value for key ${String(i)} is not a map.`);
    if (Object.hasOwn(v, key) && goEq(v[key], value)) return i;
  }
  return -1;
}

/** Deletes every item whose merge key matches, in place as Go's append does. */
function deleteMatchingEntries(original: GoSlice, mergeKey: string, value: JsonValue): GoSlice {
  let out = original;
  for (;;) {
    const i = findMapInSliceBasedOnKeyValue(out.toArray(), mergeKey, value);
    if (i < 0) return out;
    out = out.deleteAt(i);
  }
}

/** Merges patch items into items with the same key; appends the others (Go append). */
function mergeSliceWithoutSpecialElements(
  original: GoSlice,
  patch: JsonValue[],
  mergeKey: string,
  sub: PatchMeta,
): GoSlice {
  let out = original;
  for (const v of patch) {
    const m = v as JsonObject;
    if (!Object.hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
    const i = findMapInSliceBasedOnKeyValue(out.toArray(), mergeKey, m[mergeKey] ?? null);
    if (i >= 0) {
      out.set(i, mergeMap(out.get(i) as JsonObject, m, sub));
    } else {
      out = out.append(fromPatch(v));
    }
  }
  return out;
}

function deleteFromSlice(current: JsonValue[], toDelete: JsonValue[]): JsonValue[] {
  const del = new Set<JsonValue>(toDelete);
  return current.filter((v) => !del.has(v));
}

/**
 * upstream's in-place deduplication, which moves the last element into each duplicate's slot
 * (writing through the shared backing array).
 */
function deduplicateScalars(input: GoSlice): GoSlice {
  let s = input;
  let length = s.len - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (goEq(s.get(i), s.get(j))) {
        s.set(j, s.get(length));
        s = s.prefix(length);
        length--;
        j--;
      }
    }
  }
  return s;
}

function partitionPrimitivesByPresentInList(
  original: JsonValue[],
  partitionBy: JsonValue[],
): [JsonValue[], JsonValue[]] {
  const inPatch = new Set<JsonValue>(partitionBy);
  const patch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of original) (inPatch.has(v) ? patch : serverOnly).push(v);
  return [patch, serverOnly];
}

function partitionMapsByPresentInList(
  original: JsonValue[],
  partitionBy: JsonValue[],
  mergeKey: string,
): [JsonValue[], JsonValue[]] {
  const patch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of original) {
    if (!isJsonObject(v)) throw errBadArgType(MAP_TYPE, v);
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    const found = findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey] ?? null) >= 0;
    (found ? patch : serverOnly).push(v);
  }
  return [patch, serverOnly];
}

/** index: position of `val` in `l`, comparing merge key values for maps, items otherwise. */
function indexOf(l: JsonValue[], val: JsonValue, mergeKey: string, kind: JsonKind): number {
  const getVal = (item: JsonValue): JsonValue =>
    kind === 'map' ? (isJsonObject(item) ? (item[mergeKey] ?? null) : null) : item;
  const want = getVal(val);
  return l.findIndex((v) => goEq(getVal(v), want));
}

/**
 * normalizeSliceOrder: sorts `toSort` by position in `order` with upstream's comparator and
 * Go's stable insertion sort, `$patch: delete` items moved to the end.
 */
function normalizeSliceOrder(
  toSortIn: JsonValue[],
  order: JsonValue[],
  mergeKey: string,
  kind: JsonKind,
): JsonValue[] {
  let toSort = toSortIn;
  let toDelete: JsonValue[] = [];
  if (kind === 'map') {
    for (const l of [toSort, order]) {
      for (const item of l) {
        if (!isJsonObject(item)) throw errBadArgType(MAP_TYPE, item);
        if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      }
    }
    [toSort, toDelete] = extractToDeleteItems(toSort);
  }
  const less = (a: JsonValue, b: JsonValue): boolean => {
    const ia = indexOf(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexOf(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  };
  const s = [...toSort];
  for (let i = 1; i < s.length; i++) {
    for (let j = i; j > 0 && less(s[j] ?? null, s[j - 1] ?? null); j--) {
      const t = s[j] ?? null;
      s[j] = s[j - 1] ?? null;
      s[j - 1] = t;
    }
  }
  return [...s, ...toDelete];
}

/**
 * mergeSortedSlice: interleaves server-only items (`left`) into the patch items (`right`),
 * keeping both relative orders; a server-only item goes first when the live order puts it
 * before the next patch item.
 */
function mergeSortedSlice(
  left: JsonValue[],
  right: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: JsonKind,
): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      out.push(right[j++] ?? null);
    } else if (j >= right.length) {
      out.push(left[i++] ?? null);
    } else {
      const li = indexOf(serverOrder, left[i] ?? null, mergeKey, kind);
      const ri = indexOf(serverOrder, right[j] ?? null, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] ?? null);
      else out.push(right[j++] ?? null);
    }
  }
  return out;
}

function normalizeElementOrder(
  patch: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: JsonKind,
): JsonValue[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

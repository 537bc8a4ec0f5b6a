/**
 * JSON Merge Patch (RFC 7386, `application/merge-patch+json`) as evanphx/json-patch.v4's
 * `MergePatch` implements it for the API server: a null member deletes, objects merge
 * recursively, anything else replaces; nulls inside a value that is added (rather than merged)
 * are pruned from objects, including objects nested in arrays.
 */
import { badRequest } from './errors.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { deepCopy, isJsonObject } from './json.ts';

/** upstream jsonpatch.ErrBadJSONPatch, answered as 400 BadRequest. */
export const ERR_BAD_JSON_PATCH = 'Invalid JSON Patch';

/** Removes null members from objects, recursing through objects and arrays (in place). */
function pruneNulls(v: JsonValue): void {
  if (Array.isArray(v)) {
    // pruneAryNulls keeps null elements; it only prunes inside non-null ones.
    for (const e of v) if (e !== null) pruneNulls(e);
    return;
  }
  if (isJsonObject(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (e === null) {
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
        delete v[k];
      } else {
        pruneNulls(e);
      }
    }
  }
}

function mergeDocs(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
      delete doc[k];
      continue;
    }
    const cur = Object.hasOwn(doc, k) ? doc[k] : undefined;
    if (cur === undefined || cur === null) {
      pruneNulls(v);
      doc[k] = v;
    } else if (!isJsonObject(cur)) {
      pruneNulls(v);
      doc[k] = v;
    } else if (!isJsonObject(v)) {
      // upstream returns a non-object patch value as is when the current value is an object.
      doc[k] = v;
    } else {
      mergeDocs(cur, v);
    }
  }
}

/**
 * Applies a merge patch (already parsed JSON) to a copy of `doc`; `doc` and `patch` are not
 * changed. An object patch merges; an array patch becomes the result (nulls pruned inside
 * its objects), which the caller must reject when it needs an object; null and scalar
 * patches throw PatchError BadRequest "Invalid JSON Patch", as upstream.
 */
export function applyMergePatch(doc: JsonObject, patch: JsonValue): JsonValue {
  if (Array.isArray(patch)) {
    const out = deepCopy(patch);
    pruneNulls(out);
    return out;
  }
  if (!isJsonObject(patch)) throw badRequest(ERR_BAD_JSON_PATCH);
  const out = deepCopy(doc);
  mergeDocs(out, deepCopy(patch));
  return out;
}

/**
 * The entry point the API server's PATCH handler calls: decode the patch body, apply it with
 * the semantics of its content type, and return the patched object, failing with the same
 * classification and messages as upstream handlers/patch.go.
 */
import { JsonSyntaxError, parseJson } from './go-json.ts';
import { badRequest, invalidPatchedObject } from './errors.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { isJsonObject } from './json.ts';
import { applyJsonPatch, decodeJsonPatch } from './json-patch.ts';
import type { JsonPatchOperation } from './json-patch.ts';
import { ERR_BAD_JSON_PATCH, applyMergePatch } from './merge-patch.ts';
import { patchMetaFor } from './patch-meta.ts';
import { strategicMergePatch } from './strategic-merge.ts';

/** The three patch formats: JSON patch, JSON merge patch, strategic merge patch. */
export type PatchType = 'json' | 'merge' | 'strategic';

/** Content types of the three formats (types.PatchType in apimachinery). */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/**
 * The patch type of a request Content-Type (parameters such as `charset` ignored), or
 * undefined for anything else (server-side apply's `application/apply-patch+yaml` included).
 */
export function patchTypeFromContentType(contentType: string): PatchType | undefined {
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  for (const [t, ct] of Object.entries(PATCH_CONTENT_TYPES) as [PatchType, string][]) {
    if (ct === media) return t;
  }
  return undefined;
}

/** The kind being patched; picks the strategic-merge metadata. */
export interface PatchTarget {
  apiVersion: string;
  kind: string;
}

/** Options of one PATCH request. */
export interface ApplyPatchOptions {
  /**
   * The request's `fieldValidation`. With `Strict` or `Warn` (the server default) the body is
   * decoded strictly first, so malformed JSON patch and merge patch bodies are reported as
   * `error decoding patch: ...`; with `Ignore` the patch libraries report them.
   */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/** Go's description of a JSON value's type in "cannot unmarshal X" messages. */
function jsonTypeWord(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

const INTO_MAP = 'Go value of type map[string]interface {}';

/** Strict decoding of a JSON patch into `[]jsonPatchOp` (handlers/patch.go). */
function strictJsonPatchCheck(doc: JsonValue): string | undefined {
  if (doc === null) return undefined;
  if (!Array.isArray(doc)) {
    return `json: cannot unmarshal ${jsonTypeWord(doc)} into Go value of type []handlers.jsonPatchOp`;
  }
  for (const op of doc) {
    if (op === null) continue;
    if (!isJsonObject(op)) {
      return `json: cannot unmarshal ${jsonTypeWord(op)} into Go value of type handlers.jsonPatchOp`;
    }
    for (const f of ['op', 'path', 'from'] as const) {
      const v = op[f];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        return `json: cannot unmarshal ${jsonTypeWord(v)} into Go struct field jsonPatchOp.${f} of type string`;
      }
    }
  }
  return undefined;
}

/** What upstream's decoder says when the patched document is not an object. */
const NOT_AN_OBJECT_DETAIL = (v: JsonValue): string =>
  `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonTypeWord(v)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`;

/**
 * Applies a PATCH body to `original` and returns the patched object, a new object owned by
 * the caller; `original` is never changed (it is copied through JSON first, so it must be
 * JSON-serialisable). `target` selects the strategic-merge metadata (unknown kinds merge only
 * `metadata` strategically; their other lists are replaced). Pure and synchronous.
 *
 * Throws PatchError (400 malformed body, 413 too many JSON patch operations, 422 a JSON patch
 * operation that fails or a result that is not an object, 500 for the strategic-merge errors
 * upstream leaves unclassified); its `status` is the Status to send.
 */
export function applyPatch(
  patchType: PatchType,
  original: object,
  patchBytes: string | Uint8Array,
  target: PatchTarget,
  options: ApplyPatchOptions = {},
): JsonObject {
  const strict = options.fieldValidation !== 'Ignore';
  const doc = JSON.parse(JSON.stringify(original)) as JsonValue;
  if (!isJsonObject(doc)) throw badRequest('the object to patch is not a JSON object');

  let patch: JsonValue;
  try {
    patch = parseJson(patchBytes);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    switch (patchType) {
      case 'json':
        throw badRequest(strict ? `error decoding patch: ${e.message}` : e.message);
      case 'merge':
        throw badRequest(strict ? `error decoding patch: ${e.message}` : ERR_BAD_JSON_PATCH);
      case 'strategic':
        throw badRequest(e.message);
    }
  }

  let result: JsonValue;
  switch (patchType) {
    case 'json': {
      if (strict) {
        const msg = strictJsonPatchCheck(patch);
        if (msg !== undefined) throw badRequest(`error decoding patch: ${msg}`);
      }
      const ops: JsonPatchOperation[] = patch === null ? [] : decodeJsonPatch(patch);
      result = applyJsonPatch(doc, ops);
      break;
    }
    case 'merge':
      if (strict && patch !== null && !isJsonObject(patch)) {
        throw badRequest(
          `error decoding patch: json: cannot unmarshal ${jsonTypeWord(patch)} into ${INTO_MAP}`,
        );
      }
      result = applyMergePatch(doc, patch);
      break;
    case 'strategic':
      if (patch !== null && !isJsonObject(patch)) {
        throw badRequest(`json: cannot unmarshal ${jsonTypeWord(patch)} into ${INTO_MAP}`);
      }
      result = strategicMergePatch(doc, patch ?? {}, patchMetaFor(target.apiVersion, target.kind));
      break;
  }

  if (!isJsonObject(result)) {
    throw invalidPatchedObject(JSON.stringify(result), NOT_AN_OBJECT_DETAIL(result));
  }
  return result;
}

/**
 * The three PATCH formats the API server applies, as pure functions: JSON patch (RFC 6902),
 * JSON merge patch (RFC 7386) and strategic merge patch, with upstream's error mapping and the
 * strategic-merge metadata of the built-in kinds. `applyPatch` is the entry point.
 */
export { applyPatch, patchTypeFromContentType, PATCH_CONTENT_TYPES } from './apply.ts';
export type { ApplyPatchOptions, PatchTarget, PatchType } from './apply.ts';
export { PatchError, GENERIC_UNPROCESSABLE_MESSAGE } from './errors.ts';
export type { PatchErrorKind } from './errors.ts';
export { applyJsonPatch, decodeJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.ts';
export type { JsonPatchOperation } from './json-patch.ts';
export { applyMergePatch } from './merge-patch.ts';
export { strategicMergePatch } from './strategic-merge.ts';
export { patchMetaFor, hasBuiltinPatchMeta } from './patch-meta.ts';
export type { PatchMeta, PatchFieldMeta, PatchFieldType } from './patch-meta.ts';

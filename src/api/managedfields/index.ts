/**
 * Server-side apply and managedFields (upstream structured-merge-diff + apimachinery
 * managedfields): type model from OpenAPI schemas, field sets in FieldsV1 form, apply with
 * ownership and conflicts, update tracking, and field manager name helpers.
 *
 * Generic names are exported with distinctive aliases because src/api re-exports every module.
 */
export {
  FieldSet,
  FieldsDecodeError,
  comparePathElements,
  fieldKey as pathElementField,
  indexKey as pathElementIndex,
  keyKey as pathElementKey,
  parsePathElement,
  pathElementString,
  pathString as fieldPathString,
  valueKey as pathElementValue,
} from './fieldpath.ts';
export type {
  JsonObject as ManagedJsonObject,
  JsonValue as ManagedJsonValue,
  Path as ManagedFieldPath,
  PathElement as ManagedPathElement,
} from './fieldpath.ts';
export {
  DEDUCED as DEDUCED_TYPE,
  OBJECT_META_SCHEMA,
  newTypeResolver,
  typeFromCustomResourceSchema,
} from './schema.ts';
export type {
  DeducedType,
  ListType as SsaListType,
  MapType as SsaMapType,
  ScalarType as SsaScalarType,
  TypeNode,
  TypeResolver,
} from './schema.ts';
export {
  compare as typedCompare,
  merge as typedMerge,
  removeItems as typedRemoveItems,
  toFieldSet as typedToFieldSet,
} from './typed.ts';
export type { Comparison as TypedComparison, TypedError } from './typed.ts';
export {
  DEFAULT_MAX_UPDATE_MANAGERS,
  FIELD_MANAGER_MAX_LENGTH,
  LAST_APPLIED_CONFIG_ANNOTATION,
  applyObject,
  fieldSetFromPaths,
  managerFromUserAgent,
  trackUpdate,
  validateFieldManager,
  validatePatchOptions,
} from './manager.ts';
export type { ApplyRequest, UpdateRequest } from './manager.ts';

/**
 * Server-side field validation (`fieldValidation=Strict|Warn|Ignore`): strict JSON/YAML
 * decoding that finds duplicate and unknown fields with upstream's paths and messages, the
 * decoding shapes of built-in kinds compiled from the OpenAPI v3 schemas, and what each
 * directive makes of the errors (a StatusError or warnings). Pure: no I/O.
 */
export { ANY_NODE, RAW_NODE, listNode, mapNode, structNode } from './schema-node.ts';
export type {
  AnyNode,
  ListNode,
  MapNode,
  RawNode,
  ScalarType,
  SchemaNode,
  StructNode,
} from './schema-node.ts';
export { decodeTyped, goTypeString } from './type-errors.ts';
export {
  JSON_PATCH_OPS_NODE,
  MAX_STRICT_ERRORS,
  decodeJsonStrict,
  jsonPatchStrictErrors,
  parseJsonStrict,
  scanJsonStrict,
} from './strict-json.ts';
export type { StrictJsonResult } from './strict-json.ts';
export { YamlSyntaxError, parseYamlStrict, yamlUnmarshalErrorsMessage } from './strict-yaml.ts';
export type { StrictYamlResult } from './strict-yaml.ts';
export { compileSchema, schemaNodeForKind, schemaNodeForName } from './openapi-schema.ts';
export type { GVK, OpenAPISchemas } from './openapi-schema.ts';
export { dropUnknownFields, unknownFields } from './unknown-fields.ts';
export type { UnknownFieldOrder } from './unknown-fields.ts';
export {
  ALLOWED_FIELD_VALIDATION_VALUES,
  applyStrictOutcome,
  decodeStrictOutcome,
  fieldValidationDirective,
  goFormatValue,
  isEmptyIssues,
  needsStrictChecks,
  patchStrictOutcome,
  strictDecodingErrorMessage,
  strictDecodingWarnings,
  validateFieldValidationParam,
} from './outcome.ts';
export type {
  FieldValidationDirective,
  StrictIssues,
  StrictOutcome,
  WriteOptionsKind,
} from './outcome.ts';
export { decodeJsonBody, decodeYamlBody } from './body.ts';
export type { StrictBody } from './body.ts';

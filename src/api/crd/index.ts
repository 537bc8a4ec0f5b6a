/**
 * CustomResourceDefinition machinery (apiextensions.k8s.io/v1), pure: CRD defaulting and
 * validation, structural schemas, custom resource validation/defaulting/pruning, names status
 * conditions, printer columns and OpenAPI schemas. Import from here.
 */
export type {
  CustomResourceColumnDefinition,
  CustomResourceConversion,
  CustomResourceDefinition,
  CustomResourceDefinitionCondition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionSpec,
  CustomResourceDefinitionStatus,
  CustomResourceDefinitionVersion,
  CustomResourceSubresources,
  ValidationRule,
} from './types.ts';
/**
 * The CRD flavour of OpenAPI schema props (with the x-kubernetes-* extensions); named apart
 * from the CEL module's `JSONSchemaProps` so both can be re-exported from `src/api`.
 */
export type { JSONSchemaProps as CrdJSONSchemaProps } from './types.ts';
export type { Structural } from './structural.ts';
export { compileStructural, compilePattern, validateStructural } from './structural.ts';
export { isKnownFormat, validateFormat } from './formats.ts';
export { validateValue } from './schema-validate.ts';
export type { ValueValidationOptions } from './schema-validate.ts';
export {
  validateCustomResource,
  validateEmbeddedResources,
  validateListSetsAndMaps,
} from './custom-resource.ts';
export type {
  CelValidationHook,
  CustomResourceOperation,
  CustomResourceValidationContext,
} from './custom-resource.ts';
export { applyStructuralDefaults, pruneUnknownFields } from './defaulting.ts';
export {
  isCrdConditionTrue,
  prepareCrdForCreate,
  prepareCrdForUpdate,
  setCrdDefaults,
  validateCrd,
  validateCrdStatus,
  validateCrdStatusUpdate,
  validateCrdUpdate,
} from './crd-validation.ts';
export type { CrdValidationHooks } from './crd-validation.ts';
export {
  computeNamesAccepted,
  establishedCondition,
  nonStructuralSchemaCondition,
  removeCrdCondition,
  setCrdCondition,
} from './naming.ts';
export type { NamesStatus } from './naming.ts';
export { JsonPathError, findJsonPathResults, parseJsonPath } from './jsonpath.ts';
export type { JsonPath } from './jsonpath.ts';
export { DEFAULT_CR_COLUMNS, compileCrTable, crTableCells, crTableColumns } from './table.ts';
export type { CrTableConvertor } from './table.ts';
export { crdOpenApiSchemas, crdSchemaName } from './openapi.ts';
export type { OpenApiSchema } from './openapi.ts';

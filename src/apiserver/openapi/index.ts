export {
  buildOpenApiV3,
  buildNow,
  COMMON_SCHEMAS,
  generatedSchemas,
  groupVersionDocument,
} from './openapi.ts';
export type { GeneratedSchemas, OpenApiDocs } from './openapi.ts';
export { moduleOfGroupVersion, packageOfModule, schemaNameOf } from './schema-names.ts';

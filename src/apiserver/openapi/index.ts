export { buildOpenApiV3 } from './openapi.ts';
export type { OpenApiDocs } from './openapi.ts';

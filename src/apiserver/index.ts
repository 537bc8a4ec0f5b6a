export { startApiServer, buildRegistries, SYSTEM_NAMESPACES } from './server.ts';
export type { ApiServerOptions, RunningApiServer } from './server.ts';
export { parseRequestInfo } from './request-info.ts';
export type { RequestInfo, ResourceRequestInfo } from './request-info.ts';

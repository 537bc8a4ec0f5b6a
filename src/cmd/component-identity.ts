/** How an in-process component reaches the API server: URL, cluster CA and its client certificate. */
import type { RestConfig } from '../client/index.ts';

/** A component's endpoint and credentials (PEM text). */
export interface ComponentIdentity {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** The client library's RestConfig for `id`, with the component's User-Agent. */
export function restConfigOf(id: ComponentIdentity, userAgent: string): RestConfig {
  return {
    server: id.server,
    ca: Buffer.from(id.caPem),
    cert: Buffer.from(id.certPem),
    key: Buffer.from(id.keyPem),
    userAgent,
  };
}

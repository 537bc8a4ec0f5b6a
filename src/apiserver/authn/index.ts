/**
 * Authentication for the API server: bearer tokens (static token file, bootstrap tokens,
 * service account JWTs), the TokenRequest subresource, OIDC discovery for the service account
 * issuer, and impersonation. x509 client certificates stay in the server (they come from the
 * TLS socket); the lead chains them in front of {@link BearerAuthenticator}.
 */
export * from './service-account.ts';
export * from './keys.ts';
export * from './sa-tokens.ts';
export * from './openid.ts';
export * from './token-request.ts';
export * from './token-file.ts';
export * from './bootstrap.ts';
export * from './bearer.ts';
export * from './impersonation.ts';
export { CsvParseError, readGoCsv } from './go-csv.ts';
export type { MaybePromise } from './errors.ts';

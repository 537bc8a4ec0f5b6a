/**
 * OIDC discovery for the service account issuer, as upstream's
 * pkg/serviceaccount/openidmetadata.go: `/.well-known/openid-configuration` and
 * `/openid/v1/jwks`, byte for byte what the Go server writes (Go's json.Marshal: compact,
 * fields in struct order).
 */
import { publicJwk, type PublicJwk, type VerificationKey } from './keys.ts';

/** Where the provider configuration is served. */
export const OPENID_CONFIG_PATH = '/.well-known/openid-configuration';
/** Where the key set is served. */
export const JWKS_PATH = '/openid/v1/jwks';
/** Content-Type of the configuration document. */
export const OPENID_CONFIG_CONTENT_TYPE = 'application/json';
/** Content-Type of the key set. */
export const JWKS_CONTENT_TYPE = 'application/jwk-set+json';
/** Cache-Control of both (static keys may be cached an hour, upstream's max age). */
export const OPENID_CACHE_CONTROL = 'public, max-age=3600';

/** The two documents, serialised once. */
export interface OpenIDMetadata {
  /** Body of OPENID_CONFIG_PATH. */
  configJSON: string;
  /** Body of JWKS_PATH. */
  keysetJSON: string;
}

/** `{"keys":[...]}` with each public key as a JWK. */
export function jwks(keys: readonly VerificationKey[]): { keys: PublicJwk[] } {
  return { keys: keys.map(publicJwk) };
}

function parseUrl(s: string): URL {
  try {
    return new URL(s);
  } catch {
    throw new Error(`parse ${JSON.stringify(s)}: invalid URI for request`);
  }
}

/**
 * Builds both documents (upstream NewOpenIDMetadata). The issuer must be an https URL without
 * query or fragment; the jwks_uri is `jwksUri` (https) or else
 * `https://<externalAddress>/openid/v1/jwks`. Throws with upstream's messages otherwise.
 */
export function newOpenIDMetadata(
  issuerURL: string,
  jwksUri: string,
  defaultExternalAddress: string,
  keys: readonly VerificationKey[],
): OpenIDMetadata {
  if (issuerURL === '') throw new Error('empty issuer URL');
  if (jwksUri === '' && defaultExternalAddress === '') {
    throw new Error('either the JWKS URI or the default external address, or both, must be set');
  }
  if (keys.length === 0) throw new Error('no keys provided for validating keyset');
  const iss = parseUrl(issuerURL);
  if (iss.protocol !== 'https:') {
    throw new Error(`issuer URL must use https scheme, got: ${issuerURL}`);
  }
  if (iss.search !== '') throw new Error(`issuer URL may not include a query, got: ${issuerURL}`);
  if (iss.hash !== '') {
    throw new Error(`issuer URL may not include a fragment, got: ${issuerURL}`);
  }
  let uri = jwksUri;
  if (uri === '') {
    uri = `https://${defaultExternalAddress}${JWKS_PATH}`;
  } else {
    const u = parseUrl(uri);
    if (u.protocol !== 'https:') {
      throw new Error(`jwksURI requires https scheme, parsed as: ${u.toString()}`);
    }
  }
  const keyset = jwks(keys);
  const algs = [...new Set(keyset.keys.map((k) => k.alg))].sort();
  const config = {
    issuer: issuerURL,
    jwks_uri: uri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  };
  return { configJSON: JSON.stringify(config), keysetJSON: JSON.stringify(keyset) };
}

/**
 * Bearer token authentication: extracting the token from a request (upstream
 * authentication/request/bearertoken and websocket protocol authenticators) and trying the
 * token authenticators in order (union authenticator), with a short success cache in front
 * (upstream's cached token authenticator, 10 s by default) and `system:authenticated` added
 * to the user (AuthenticatedGroupAdder).
 */
import { createHash } from 'node:crypto';
import type { UserInfo } from '../user.ts';
import type { MaybePromise } from './errors.ts';
import type { TokenAuthResult } from './sa-tokens.ts';
import { withAuthenticatedGroup } from './service-account.ts';

/** One way of recognising a bearer token (static file, bootstrap Secret, service account JWT). */
export interface TokenAuthenticator {
  /** See TokenAuthResult: undefined when the token is not this authenticator's kind. */
  authenticateToken(token: string, audiences?: readonly string[]): MaybePromise<TokenAuthResult>;
}

/** Warning upstream adds when `Authorization: Bearer  <token>` has two spaces. */
export const INVALID_TOKEN_WITH_SPACE_WARNING =
  'the provided Authorization header contains extra space before the bearer token, and is ignored';

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or
 * undefined; `warning` is set for the double-space mistake upstream warns about.
 */
export function bearerTokenFromHeader(authorization: string | undefined): {
  token?: string;
  warning?: string;
} {
  const auth = (authorization ?? '').trim();
  if (auth === '') return {};
  // strings.SplitN(auth, " ", 3)
  const first = auth.indexOf(' ');
  if (first < 0) return {};
  const scheme = auth.slice(0, first);
  const rest = auth.slice(first + 1);
  const second = rest.indexOf(' ');
  const token = second < 0 ? rest : rest.slice(0, second);
  if (scheme.toLowerCase() !== 'bearer') return {};
  if (token === '') return second >= 0 ? { warning: INVALID_TOKEN_WITH_SPACE_WARNING } : {};
  return { token };
}

/** Sec-WebSocket-Protocol prefix carrying a base64url token (browsers cannot set headers). */
export const WEBSOCKET_BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/**
 * The token inside `Sec-WebSocket-Protocol: base64url.bearer.authorization.k8s.io.<b64>`
 * (upstream websocket ProtocolAuthenticator; pass every header value). `protocols` are the
 * other subprotocols, to put back in the header once the token authenticated. `error` (with
 * upstream's message) fails the request: two tokens, bad encoding, or no other subprotocol
 * to echo back.
 */
export function bearerTokenFromWebSocketProtocols(headers: readonly string[]): {
  token?: string;
  protocols: string[];
  error?: string;
} {
  let token = '';
  let saw = false;
  const protocols: string[] = [];
  for (const header of headers) {
    for (const raw of header.split(',')) {
      const protocol = raw.trim();
      if (!protocol.startsWith(WEBSOCKET_BEARER_PROTOCOL_PREFIX)) {
        protocols.push(protocol);
        continue;
      }
      if (saw) {
        return { protocols, error: 'multiple base64.bearer.authorization tokens specified' };
      }
      saw = true;
      const encoded = protocol.slice(WEBSOCKET_BEARER_PROTOCOL_PREFIX.length);
      // RawURLEncoding: no padding, URL alphabet; a lone trailing character is invalid too.
      if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) {
        return { protocols, error: 'invalid base64.bearer.authorization token encoding' };
      }
      const bytes = Buffer.from(encoded, 'base64url');
      const text = bytes.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(bytes)) {
        return { protocols, error: 'invalid base64.bearer.authorization token' };
      }
      token = text;
    }
  }
  if (token !== '' && protocols.length === 0) {
    return { protocols, error: 'missing additional subprotocol' };
  }
  return token === '' ? { protocols } : { token, protocols };
}

/** The outcome of {@link BearerAuthenticator.authenticate}. */
export interface BearerResult {
  /** The user, with `system:authenticated`; undefined when no authenticator accepted it. */
  user?: UserInfo;
  audiences?: string[];
  auditAnnotations?: Record<string, string>;
  /** Why authenticators rejected the token (for logs); clients get a plain 401. */
  reasons: string[];
}

/** Options of {@link BearerAuthenticator}. */
export interface BearerAuthenticatorOptions {
  /** Tried in order; the first that authenticates wins (the lead puts x509 before all). */
  authenticators: readonly TokenAuthenticator[];
  /** How long a successful result is reused, in ms (upstream --token-success-cache-ttl 10s). */
  successTtlMs?: number;
  /** Cache capacity; the oldest entries are dropped first. */
  cacheSize?: number;
  /** Clock in ms; defaults to Date.now. */
  now?: () => number;
}

interface CacheEntry {
  expiresAt: number;
  result: BearerResult;
}

function copyUser(u: UserInfo): UserInfo {
  const out: UserInfo = { ...u, groups: [...u.groups] };
  if (u.extra !== undefined) {
    out.extra = Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]]));
  }
  return out;
}

/**
 * The bearer token chain. Successes are cached by a SHA-256 of the token and audiences so that
 * a client's repeated requests skip signature checks and lookups; failures are not cached
 * (upstream's failure TTL defaults to 0). Returned users are fresh copies.
 */
export class BearerAuthenticator {
  private readonly authenticators: readonly TokenAuthenticator[];
  private readonly ttl: number;
  private readonly size: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(options: BearerAuthenticatorOptions) {
    this.authenticators = options.authenticators;
    this.ttl = options.successTtlMs ?? 10_000;
    this.size = options.cacheSize ?? 4096;
    this.now = options.now ?? Date.now;
  }

  /** Authenticates `token` for `audiences` (default: the API server's own). */
  async authenticate(token: string, audiences?: readonly string[]): Promise<BearerResult> {
    const key =
      this.ttl > 0
        ? createHash('sha256')
            .update(token)
            .update('\0')
            .update((audiences ?? []).join('\0'))
            .digest('base64')
        : '';
    if (this.ttl > 0) {
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        if (hit.expiresAt > this.now()) return this.copy(hit.result);
        this.cache.delete(key);
      }
    }
    const reasons: string[] = [];
    for (const a of this.authenticators) {
      const r = await a.authenticateToken(token, audiences);
      if (r === undefined) continue;
      if (!r.ok) {
        reasons.push(r.reason);
        continue;
      }
      const result: BearerResult = { user: withAuthenticatedGroup(r.user), reasons: [] };
      if (r.audiences !== undefined) result.audiences = r.audiences;
      if (r.auditAnnotations !== undefined) result.auditAnnotations = r.auditAnnotations;
      if (this.ttl > 0) this.remember(key, result);
      return this.copy(result);
    }
    if (reasons.length === 0) reasons.push('invalid bearer token');
    return { reasons };
  }

  /** Forgets every cached result (e.g. after the token file changed). */
  clear(): void {
    this.cache.clear();
  }

  private remember(key: string, result: BearerResult): void {
    if (this.cache.size >= this.size) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { expiresAt: this.now() + this.ttl, result });
  }

  private copy(r: BearerResult): BearerResult {
    const out: BearerResult = { ...r, reasons: [...r.reasons] };
    if (r.user !== undefined) out.user = copyUser(r.user);
    return out;
  }
}

/**
 * One-shot chain without a cache: the user of the first authenticator that accepts `token`,
 * with `system:authenticated` added, or undefined.
 */
export async function authenticateBearer(
  token: string,
  authenticators: readonly TokenAuthenticator[],
  audiences?: readonly string[],
): Promise<UserInfo | undefined> {
  const r = await new BearerAuthenticator({ authenticators, successTtlMs: 0 }).authenticate(
    token,
    audiences,
  );
  return r.user;
}

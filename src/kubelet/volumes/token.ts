/**
 * Bound service account tokens for projected volumes (pkg/kubelet/token's Manager and the
 * projected plugin's TokenRequest). The request is built here; the caller performs it
 * (`POST .../serviceaccounts/<name>/token` through its client) and hands the result to the
 * {@link TokenManager}, which caches it and decides when it must be renewed: after 80% of its
 * lifetime or 24 hours, whichever comes first, minus up to 10 s of jitter (as upstream).
 */
import type { Pod, ServiceAccountTokenProjection } from 'kubernetes-types/core/v1.js';
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';

/** Longest a token is used before renewal, whatever its expiry (upstream maxTTL). */
export const TOKEN_MAX_TTL_MS = 24 * 60 * 60 * 1000;
/** Upper bound of the random jitter subtracted from the refresh time (maxJitter). */
export const TOKEN_MAX_JITTER_MS = 10_000;

/**
 * The TokenRequest for a projection, bound to the pod (audience list of one, or empty for the
 * API server's audiences; expirationSeconds as given, which the API defaults to 3600).
 */
export function serviceAccountTokenRequest(
  pod: Pod,
  projection: ServiceAccountTokenProjection,
): TokenRequest {
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      audiences:
        projection.audience !== undefined && projection.audience !== ''
          ? [projection.audience]
          : [],
      ...(projection.expirationSeconds !== undefined
        ? { expirationSeconds: projection.expirationSeconds }
        : {}),
      boundObjectRef: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid ?? '',
      },
    },
  };
}

/** The cache key of a request for a service account (upstream keyFunc's fields). */
export function tokenCacheKey(name: string, namespace: string, tr: TokenRequest): string {
  const ref = tr.spec.boundObjectRef ?? {};
  return JSON.stringify([
    name,
    namespace,
    tr.spec.audiences,
    tr.spec.expirationSeconds ?? 0,
    [ref.apiVersion ?? '', ref.kind ?? '', ref.name ?? '', ref.uid ?? ''],
  ]);
}

function expiryMs(tr: TokenRequest): number | undefined {
  const t = tr.status?.expirationTimestamp;
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Whether a fetched token must be renewed at `nowMs` (requiresRefresh): once
 * `issuedAt + 24h - jitter` or `expiry - 20% of expirationSeconds - jitter` has passed.
 * A token without expirationSeconds is never refreshed (upstream logs an error). Pure.
 */
export function tokenRequiresRefresh(tr: TokenRequest, nowMs: number, jitterMs = 0): boolean {
  const seconds = tr.spec.expirationSeconds;
  const exp = expiryMs(tr);
  if (seconds === undefined || exp === undefined) return false;
  const iat = exp - seconds * 1000;
  if (nowMs > iat + TOKEN_MAX_TTL_MS - jitterMs) return true;
  return nowMs > exp - Math.trunc((seconds * 20) / 100) * 1000 - jitterMs;
}

/**
 * When (epoch ms) a token will need renewal without jitter: the earlier of issue time + 24 h
 * and expiry − 20% of its lifetime. `undefined` when the token carries no expiry. Use it to
 * schedule the next re-projection of the volume.
 */
export function tokenRefreshAt(tr: TokenRequest): number | undefined {
  const seconds = tr.spec.expirationSeconds;
  const exp = expiryMs(tr);
  if (seconds === undefined || exp === undefined) return undefined;
  const iat = exp - seconds * 1000;
  return Math.min(iat + TOKEN_MAX_TTL_MS, exp - Math.trunc((seconds * 20) / 100) * 1000) + 1;
}

/** Whether a token has expired at `nowMs`. */
export function tokenExpired(tr: TokenRequest, nowMs: number): boolean {
  const exp = expiryMs(tr);
  return exp !== undefined && nowMs > exp;
}

/** Performs a TokenRequest for `serviceaccounts/<name>/token` in `namespace`. */
export type TokenFetcher = (
  name: string,
  namespace: string,
  tr: TokenRequest,
) => Promise<TokenRequest>;

/** Options of a {@link TokenManager}. */
export interface TokenManagerOptions {
  fetch: TokenFetcher;
  /** Epoch ms; injected so tests control time. */
  now?: () => number;
  /** A number in [0, 1); the jitter is `floor(random × 10) s` as upstream. */
  random?: () => number;
}

/**
 * The kubelet's token cache (pkg/kubelet/token Manager). Not safe for concurrent calls for the
 * same key beyond causing duplicate fetches; results are shared objects: do not mutate them.
 */
export class TokenManager {
  readonly #cache = new Map<string, TokenRequest>();
  readonly #fetch: TokenFetcher;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(opts: TokenManagerOptions) {
    this.#fetch = opts.fetch;
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? Math.random;
  }

  /**
   * A valid token for the request: the cached one unless it needs renewal, else a fresh one.
   * When renewal fails, the cached token is returned while it has not expired; errors are
   * upstream's `failed to fetch token: ...` and `token KEY expired and refresh failed: ...`.
   */
  async getServiceAccountToken(
    namespace: string,
    name: string,
    tr: TokenRequest,
  ): Promise<TokenRequest> {
    const key = tokenCacheKey(name, namespace, tr);
    const cached = this.#cache.get(key);
    const jitter = Math.floor(this.#random() * (TOKEN_MAX_JITTER_MS / 1000)) * 1000;
    if (cached !== undefined && !tokenRequiresRefresh(cached, this.#now(), jitter)) return cached;
    let fresh: TokenRequest;
    try {
      fresh = await this.#fetch(name, namespace, tr);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (cached === undefined) throw new Error(`failed to fetch token: ${msg}`, { cause: err });
      if (tokenExpired(cached, this.#now()))
        throw new Error(`token ${key} expired and refresh failed: ${msg}`, { cause: err });
      return cached;
    }
    this.#cache.set(key, fresh);
    return fresh;
  }

  /** Forgets every token bound to the pod (DeleteServiceAccountToken). */
  deleteServiceAccountToken(podUID: string): void {
    for (const [k, tr] of this.#cache)
      if (tr.spec.boundObjectRef?.uid === podUID) this.#cache.delete(k);
  }

  /** Drops expired tokens (upstream runs this every minute). */
  cleanup(): void {
    const now = this.#now();
    for (const [k, tr] of this.#cache) if (tokenExpired(tr, now)) this.#cache.delete(k);
  }

  /** Number of cached tokens (diagnostics and tests). */
  get size(): number {
    return this.#cache.size;
  }
}

/**
 * Fetches, through the manager, the token of every serviceAccountToken projection in the
 * pod's projected volumes and returns the synchronous getter {@link collectProjectedData}
 * expects (keyed by projection object). A projection whose fetch failed makes the getter throw
 * that error, so only that volume fails. Also returns the earliest renewal time.
 */
export async function prefetchProjectedTokens(
  pod: Pod,
  manager: TokenManager,
): Promise<{ token: (p: ServiceAccountTokenProjection) => string; refreshAt: number | undefined }> {
  const results = new Map<ServiceAccountTokenProjection, TokenRequest | Error>();
  let refreshAt: number | undefined;
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const tp = s.serviceAccountToken;
      if (tp === undefined) continue;
      try {
        const tr = await manager.getServiceAccountToken(
          pod.metadata?.namespace ?? '',
          pod.spec?.serviceAccountName ?? 'default',
          serviceAccountTokenRequest(pod, tp),
        );
        results.set(tp, tr);
        const at = tokenRefreshAt(tr);
        if (at !== undefined && (refreshAt === undefined || at < refreshAt)) refreshAt = at;
      } catch (err) {
        results.set(tp, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
  return {
    refreshAt,
    token: (p) => {
      const r = results.get(p);
      if (r === undefined) throw new Error('failed to fetch token: not requested');
      if (r instanceof Error) throw r;
      return r.status?.token ?? '';
    },
  };
}

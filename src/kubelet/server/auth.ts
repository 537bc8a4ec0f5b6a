/**
 * The kubelet server's authentication and authorization (upstream pkg/kubelet/server/auth.go
 * and the kubelet's `BuildAuth`): x509 client certificates verified against the client CA
 * (the API server's kubelet-client certificate), bearer tokens through a TokenReview, optional
 * anonymous access, and every request authorized through a SubjectAccessReview on
 * `nodes/<subresource>` of this node (`GetRequestAttributes`). Decisions are cached as the
 * kubelet's webhook authenticator (2 min) and authorizer (5 min allowed, 30 s denied) do.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Clientset, KubeObject } from '../../client/index.ts';

/** An authenticated user (user.Info). */
export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** The authorization attributes of a kubelet API request. */
export interface RequestAttributes {
  readonly user: UserInfo;
  readonly verb: string;
  readonly namespace: '';
  readonly apiGroup: '';
  readonly apiVersion: 'v1';
  readonly resource: 'nodes';
  readonly subresource: 'stats' | 'metrics' | 'log' | 'proxy';
  readonly name: string;
  readonly path: string;
}

/** Authenticates bearer tokens (upstream: the TokenReview webhook). */
export type TokenAuthenticator = (token: string) => Promise<UserInfo | undefined>;
/** Decides whether attributes are allowed (upstream: the SubjectAccessReview webhook). */
export type Authorizer = (
  attrs: RequestAttributes,
) => Promise<{ allowed: boolean; reason?: string }>;

/** How the server authenticates and authorizes; omit `auth` entirely to disable both (tests). */
export interface KubeletAuthConfig {
  /** Accept verified client certificates (CN = user, O = groups); needs the server's `ca`. */
  readonly x509?: boolean;
  readonly token?: TokenAuthenticator;
  /** Unauthenticated requests become system:anonymous (kubelet `--anonymous-auth`). */
  readonly anonymous?: boolean;
  /** Without it every authenticated request is allowed (kubelet `--authorization-mode=AlwaysAllow`). */
  readonly authorize?: Authorizer;
}

/** The outcome of the auth filter: the user, or the HTTP status and text to answer with. */
export type AuthResult =
  | { ok: true; user: UserInfo; attrs: RequestAttributes }
  | { ok: false; statusCode: number; message: string };

function isSubpath(subpath: string, path: string): boolean {
  const p = path.replace(/\/+$/, '');
  return subpath === p || (subpath.startsWith(p) && subpath[p.length] === '/');
}

/**
 * GetRequestAttributes: resource `nodes`, name = this node, subresource from the path
 * (`/stats` → stats, `/metrics` → metrics, `/logs` → log, everything else → proxy), verb from
 * the method (POST create, GET get, PUT update, PATCH patch, DELETE delete; others: '').
 */
export function requestAttributes(
  user: UserInfo,
  method: string,
  path: string,
  nodeName: string,
): RequestAttributes {
  const verbs: Record<string, string> = {
    POST: 'create',
    GET: 'get',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: 'delete',
  };
  let subresource: RequestAttributes['subresource'] = 'proxy';
  if (isSubpath(path, '/stats')) subresource = 'stats';
  else if (isSubpath(path, '/metrics')) subresource = 'metrics';
  else if (isSubpath(path, '/logs')) subresource = 'log';
  return {
    user,
    verb: verbs[method] ?? '',
    namespace: '',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'nodes',
    subresource,
    name: nodeName,
    path,
  };
}

function certificateUser(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function')
    return undefined;
  const cert = socket.getPeerCertificate();
  const subject = (cert as { subject?: Record<string, string | string[] | undefined> }).subject;
  const cn = subject?.CN;
  if (typeof cn !== 'string' || cn === '') return undefined;
  const o = subject?.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name: cn, groups: [...groups, 'system:authenticated'] };
}

function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/**
 * The kubelet's auth filter (InstallAuthFilter): authenticate (401 `Unauthorized`), build the
 * attributes, authorize (403 `Forbidden (user=…, verb=…, resource=…, subresource=…)`; 500
 * `Authorization error (…)` when the authorizer fails).
 */
export async function authenticateAndAuthorize(
  cfg: KubeletAuthConfig,
  req: IncomingMessage,
  path: string,
  nodeName: string,
): Promise<AuthResult> {
  let user: UserInfo | undefined;
  if (cfg.x509 === true) user = certificateUser(req);
  if (user === undefined) {
    const token = bearerToken(req);
    if (token !== undefined && cfg.token !== undefined) {
      try {
        user = await cfg.token(token);
      } catch {
        return { ok: false, statusCode: 401, message: 'Unauthorized' };
      }
    }
  }
  if (user === undefined && cfg.anonymous === true) {
    user = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  }
  if (user === undefined) return { ok: false, statusCode: 401, message: 'Unauthorized' };
  const attrs = requestAttributes(user, req.method ?? 'GET', path, nodeName);
  if (cfg.authorize === undefined) return { ok: true, user, attrs };
  const describe = `(user=${user.name}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})`;
  let decision: { allowed: boolean };
  try {
    decision = await cfg.authorize(attrs);
  } catch {
    return { ok: false, statusCode: 500, message: `Authorization error ${describe}` };
  }
  if (!decision.allowed) return { ok: false, statusCode: 403, message: `Forbidden ${describe}` };
  return { ok: true, user, attrs };
}

interface TokenReview extends KubeObject {
  spec?: { token?: string; audiences?: string[] };
  status?: {
    authenticated?: boolean;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
    error?: string;
  };
}

interface SubjectAccessReview extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

/** A small TTL cache of promises keyed by string, bounded to `max` entries (oldest dropped). */
class TtlCache<T> {
  readonly #entries = new Map<string, { value: T; expires: number }>();
  constructor(
    readonly max: number,
    readonly now: () => number,
  ) {}
  get(key: string): T | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: T, ttlMs: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: this.now() + ttlMs });
    if (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}

/**
 * Bearer tokens checked with `POST authentication.k8s.io/v1 tokenreviews` through `cs` (the
 * kubelet's own identity needs `create tokenreviews`, as system:node-proxier / the kubelet's
 * `system:kubelet-api-admin`-style bindings give). Results are cached 2 minutes.
 */
export function tokenReviewAuthenticator(
  cs: Clientset,
  opts: { audiences?: string[]; now?: () => number; cacheTtlMs?: number } = {},
): TokenAuthenticator {
  const reviews = cs.resource<TokenReview>({
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'tokenreviews',
  });
  const cache = new TtlCache<UserInfo | null>(1024, opts.now ?? Date.now);
  return async (token) => {
    const hit = cache.get(token);
    if (hit !== undefined) return hit ?? undefined;
    const res = await reviews.create('', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, ...(opts.audiences !== undefined ? { audiences: opts.audiences } : {}) },
    });
    const u = res.status?.user;
    const user: UserInfo | undefined =
      res.status?.authenticated === true && u?.username !== undefined
        ? {
            name: u.username,
            ...(u.uid !== undefined ? { uid: u.uid } : {}),
            groups: u.groups ?? [],
            ...(u.extra !== undefined ? { extra: u.extra } : {}),
          }
        : undefined;
    cache.set(token, user ?? null, opts.cacheTtlMs ?? 120_000);
    return user;
  };
}

/**
 * Authorization with `POST authorization.k8s.io/v1 subjectaccessreviews` through `cs`; allowed
 * decisions are cached 5 minutes, denials 30 seconds (the kubelet's webhook defaults).
 */
export function subjectAccessReviewAuthorizer(
  cs: Clientset,
  opts: { now?: () => number } = {},
): Authorizer {
  const reviews = cs.resource<SubjectAccessReview>({
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'subjectaccessreviews',
  });
  const cache = new TtlCache<{ allowed: boolean; reason?: string }>(1024, opts.now ?? Date.now);
  return async (a) => {
    const spec = {
      resourceAttributes: {
        namespace: a.namespace,
        verb: a.verb,
        group: a.apiGroup,
        version: a.apiVersion,
        resource: a.resource,
        subresource: a.subresource,
        name: a.name,
      },
      user: a.user.name,
      groups: [...a.user.groups],
      ...(a.user.uid !== undefined ? { uid: a.user.uid } : {}),
      ...(a.user.extra !== undefined ? { extra: a.user.extra } : {}),
    };
    const key = JSON.stringify(spec);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const res = await reviews.create('', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec,
    });
    const decision = {
      allowed: res.status?.allowed === true,
      ...(res.status?.reason !== undefined ? { reason: res.status.reason } : {}),
    };
    cache.set(key, decision, decision.allowed ? 300_000 : 30_000);
    return decision;
  };
}

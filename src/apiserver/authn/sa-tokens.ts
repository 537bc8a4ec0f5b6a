/**
 * Service account tokens: JWTs signed by the API server's key, as upstream's
 * pkg/serviceaccount/jwt.go (issuing and authenticating) and claims.go (the claims and the
 * validation of a bound token against the objects it names).
 *
 * A token says who it is for (`sub`, the `kubernetes.io` private claim), for whom (`aud`), how
 * long (`exp`, `nbf`, `iat`) and, when bound, which Pod, Secret or Node must still exist for it
 * to stay valid. Verification checks the signature with the key named by `kid`, the issuer, the
 * audience and times (with upstream's 60 s leeway), then asks the lookup whether the service
 * account and bound objects still exist with the same uid and are not being deleted.
 */
import { randomUUID } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import type { Node, Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { UserInfo } from '../user.ts';
import { aggregateMessage, goQuoteList, type MaybePromise } from './errors.ts';
import type { SigningKey, VerificationKey } from './keys.ts';
import {
  credentialIdForJti,
  makeServiceAccountUsername,
  serviceAccountUserInfo,
  type ServiceAccountInfo,
} from './service-account.ts';

/**
 * Reads the objects a token names (upstream ServiceAccountTokenGetter). Each answers undefined
 * when the object does not exist; the lead implements it over storage or a watch cache.
 * Returned objects are read, never changed.
 */
export interface ServiceAccountTokenGetter {
  getServiceAccount(namespace: string, name: string): MaybePromise<ServiceAccount | undefined>;
  getPod(namespace: string, name: string): MaybePromise<Pod | undefined>;
  getSecret(namespace: string, name: string): MaybePromise<Secret | undefined>;
  getNode(name: string): MaybePromise<Node | undefined>;
}

/** Clock skew tolerated on exp, nbf, iat and deletion times (go-jose's jwt.DefaultLeeway). */
export const JWT_LEEWAY_SECONDS = 60;

/** A reference inside the `kubernetes.io` claim. */
export interface ClaimRef {
  name: string;
  uid?: string;
}

/** The `kubernetes.io` private claim. */
export interface KubernetesClaim {
  namespace?: string;
  node?: ClaimRef;
  pod?: ClaimRef;
  secret?: ClaimRef;
  serviceaccount?: ClaimRef;
  warnafter?: number;
}

/** A service account token's payload, keys in the (alphabetical) order upstream writes them. */
export interface ServiceAccountClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti?: string;
  'kubernetes.io': KubernetesClaim;
  nbf: number;
  sub: string;
}

/** What a token is issued for (upstream Claims arguments). */
export interface IssueRequest {
  serviceAccount: { namespace: string; name: string; uid: string };
  /** At most one of pod and secret; a pod-bound token may also name the pod's node. */
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid?: string };
  audiences: readonly string[];
  expirationSeconds: number;
  /** When set, the `warnafter` claim: seconds after issuance (projected token transition). */
  warnAfterSeconds?: number;
  /** Issuance time; defaults to the clock. */
  now?: Date;
  /** Token id; defaults to a random UUID (ServiceAccountTokenJTI is on in 1.32). */
  jti?: string;
}

/** An issued token and the claims inside it. */
export interface IssuedToken {
  token: string;
  claims: ServiceAccountClaims;
}

/**
 * The outcome of a token authenticator: authenticated, rejected with a reason (for logs and
 * audit; clients only ever see 401 Unauthorized), or not recognised at all (a token meant for
 * another authenticator).
 */
export type TokenAuthResult =
  | {
      ok: true;
      user: UserInfo;
      /** Audiences the token is valid for, among those asked for. */
      audiences?: string[];
      /** Audit annotations (e.g. authentication.k8s.io/stale-token). */
      auditAnnotations?: Record<string, string>;
    }
  | { ok: false; reason: string }
  | undefined;

/** Options of {@link ServiceAccountTokens}. */
export interface ServiceAccountTokensOptions {
  /** `iss` of new tokens (upstream's first --service-account-issuer). */
  issuer: string;
  /** More issuers whose tokens are accepted (issuer migration). */
  acceptedIssuers?: readonly string[];
  /**
   * The API server's own audiences (--api-audiences): the default audience of new tokens and
   * what a token must be valid for to authenticate here. Defaults to `[issuer]`.
   */
  apiAudiences?: readonly string[];
  signingKey: SigningKey;
  /** Other public keys tokens may be verified with (old keys during rotation). */
  verificationKeys?: readonly VerificationKey[];
  lookup: ServiceAccountTokenGetter;
  /** Time source; defaults to `new Date()`. */
  now?: () => Date;
}

const ERR_CRYPTO = 'go-jose/go-jose: error in cryptographic primitive';

function notFound(resource: string, name: string): string {
  return `${resource} "${name}" not found`;
}

/** Seconds since the epoch, truncated like Go's Time.Unix(). */
function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

function decodeSegment(segment: string): unknown {
  // RawURLEncoding: base64url without padding; anything else is not a JWT.
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numericDate(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined;
}

function stringOf(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function refOf(v: unknown): ClaimRef | undefined {
  if (!isRecord(v)) return undefined;
  return { name: stringOf(v['name']), uid: stringOf(v['uid']) };
}

/** True when an object is being deleted since before `before` (upstream's leeway check). */
function deletedBefore(
  obj: { metadata?: { deletionTimestamp?: string } },
  before: number,
): boolean {
  const ts = obj.metadata?.deletionTimestamp;
  if (ts === undefined) return false;
  const t = Date.parse(ts);
  return Number.isFinite(t) && t < before;
}

/**
 * Issues and verifies service account tokens with one signing key (plus older verification
 * keys). Instances are immutable and safe to share; `verify` performs lookups on every call
 * (cache in front of it, see `BearerAuthenticator`).
 */
export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  private readonly issuers: ReadonlySet<string>;
  private readonly signingKey: SigningKey;
  private readonly keys: readonly VerificationKey[];
  private readonly keysById: ReadonlyMap<string, VerificationKey[]>;
  private readonly lookup: ServiceAccountTokenGetter;
  private readonly now: () => Date;

  constructor(options: ServiceAccountTokensOptions) {
    this.issuer = options.issuer;
    this.issuers = new Set([options.issuer, ...(options.acceptedIssuers ?? [])]);
    this.apiAudiences = [...(options.apiAudiences ?? [options.issuer])];
    this.signingKey = options.signingKey;
    const keys: VerificationKey[] = [options.signingKey];
    for (const k of options.verificationKeys ?? []) {
      if (!keys.some((have) => have.kid === k.kid)) keys.push(k);
    }
    this.keys = keys;
    const byId = new Map<string, VerificationKey[]>();
    for (const k of keys) byId.set(k.kid, [...(byId.get(k.kid) ?? []), k]);
    this.keysById = byId;
    this.lookup = options.lookup;
    this.now = options.now ?? (() => new Date());
  }

  /** Every public key tokens are verified with, the signing key first (for the JWKS). */
  publicKeys(): readonly VerificationKey[] {
    return this.keys;
  }

  /** Builds the claims of a token (upstream Claims); pure apart from the default jti/clock. */
  claims(req: IssueRequest): ServiceAccountClaims {
    if (req.secret !== undefined && (req.pod !== undefined || req.node !== undefined)) {
      throw new Error('internal error, token can only be bound to one object type');
    }
    const now = unixSeconds(req.now ?? this.now());
    const k8s: KubernetesClaim = { namespace: req.serviceAccount.namespace };
    // Alphabetical key order, as Go writes the merged claim map.
    if (req.node !== undefined) k8s.node = ref(req.node.name, req.node.uid);
    if (req.pod !== undefined) k8s.pod = ref(req.pod.name, req.pod.uid);
    if (req.secret !== undefined) k8s.secret = ref(req.secret.name, req.secret.uid);
    k8s.serviceaccount = ref(req.serviceAccount.name, req.serviceAccount.uid);
    if (req.warnAfterSeconds) k8s.warnafter = now + req.warnAfterSeconds;
    return {
      aud: [...req.audiences],
      exp: now + req.expirationSeconds,
      iat: now,
      iss: this.issuer,
      jti: req.jti ?? randomUUID(),
      'kubernetes.io': k8s,
      nbf: now,
      sub: makeServiceAccountUsername(req.serviceAccount.namespace, req.serviceAccount.name),
    };
  }

  /** Signs a token for `req` with the signing key (header `{"alg","kid"}`). */
  async issue(req: IssueRequest): Promise<IssuedToken> {
    const claims = this.claims(req);
    return { token: await this.sign(claims), claims };
  }

  /** Signs arbitrary claims (tests and legacy callers); the payload is written as given. */
  async sign(claims: object): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: this.signingKey.alg, kid: this.signingKey.kid })
      .sign(this.signingKey.privateKey);
  }

  /**
   * Authenticates a token (upstream jwtTokenAuthenticator + validator). Undefined when the
   * token is not a JWT from one of our issuers (another authenticator may know it); otherwise
   * the user or the reason it was rejected. `audiences` are those the request must be valid
   * for; they default to the API audiences.
   */
  async verify(token: string, audiences?: readonly string[]): Promise<TokenAuthResult> {
    if (token.trimStart().startsWith('{')) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const unverified = decodeSegment(parts[1] ?? '');
    if (!isRecord(unverified) || !this.issuers.has(stringOf(unverified['iss']))) return undefined;
    const header = decodeSegment(parts[0] ?? '');
    if (!isRecord(header)) return undefined;

    const kid = stringOf(header['kid']);
    const keys = kid === '' ? this.keys : (this.keysById.get(kid) ?? []);
    if (keys.length === 0) return { ok: false, reason: 'invalid signature, no keys found' };
    let payload: Uint8Array | undefined;
    const errors: string[] = [];
    for (const key of keys) {
      try {
        ({ payload } = await compactVerify(token, key.publicKey, { algorithms: [key.alg] }));
        break;
      } catch {
        errors.push(ERR_CRYPTO);
      }
    }
    if (payload === undefined) return { ok: false, reason: aggregateMessage(errors) };
    let claims: unknown;
    try {
      claims = JSON.parse(new TextDecoder().decode(payload)) as unknown;
    } catch {
      return { ok: false, reason: ERR_CRYPTO };
    }
    if (!isRecord(claims)) return { ok: false, reason: ERR_CRYPTO };

    const iss = stringOf(claims['iss']);
    if (!this.issuers.has(iss)) return { ok: false, reason: `token issuer "${iss}" is invalid` };

    const aud = claims['aud'];
    let tokenAudiences: string[] =
      typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.map(stringOf) : [];
    if (tokenAudiences.length === 0) tokenAudiences = [...this.apiAudiences];
    const requested = audiences ?? this.apiAudiences;
    const matched = tokenAudiences.filter((a) => requested.includes(a));
    if (matched.length === 0 && this.apiAudiences.length !== 0) {
      return {
        ok: false,
        reason: `token audiences ${goQuoteList(tokenAudiences)} is invalid for the target audiences ${goQuoteList(requested)}`,
      };
    }

    const validated = await this.validate(claims);
    if ('reason' in validated) return { ok: false, reason: validated.reason };
    const result: TokenAuthResult = {
      ok: true,
      user: serviceAccountUserInfo(validated.info),
      audiences: matched,
    };
    if (validated.stale !== undefined) {
      result.auditAnnotations = { 'authentication.k8s.io/stale-token': validated.stale };
    }
    return result;
  }

  /** TokenAuthenticator: the same as {@link ServiceAccountTokens.verify}. */
  authenticateToken(token: string, audiences?: readonly string[]): Promise<TokenAuthResult> {
    return this.verify(token, audiences);
  }

  /** Upstream validator.Validate: times, then the objects the claims name. */
  private async validate(
    claims: Record<string, unknown>,
  ): Promise<{ info: ServiceAccountInfo; stale?: string } | { reason: string }> {
    const nowMs = this.now().getTime();
    const now = Math.floor(nowMs / 1000);
    const nbf = numericDate(claims['nbf']);
    const exp = numericDate(claims['exp']);
    const iat = numericDate(claims['iat']);
    if (nbf !== undefined && now + JWT_LEEWAY_SECONDS < nbf) {
      return { reason: 'service account token is not valid yet' };
    }
    if (exp !== undefined && now - JWT_LEEWAY_SECONDS > exp) {
      return { reason: 'service account token has expired' };
    }
    if (iat !== undefined && now + JWT_LEEWAY_SECONDS < iat) {
      return { reason: 'service account token is issued in the future' };
    }

    const k8s = isRecord(claims['kubernetes.io']) ? claims['kubernetes.io'] : {};
    const namespace = stringOf(k8s['namespace']);
    const saRef = refOf(k8s['serviceaccount']) ?? { name: '', uid: '' };
    const podRef = refOf(k8s['pod']);
    const secretRef = refOf(k8s['secret']);
    const nodeRef = refOf(k8s['node']);
    const invalidIfDeletedBefore = nowMs - JWT_LEEWAY_SECONDS * 1000;

    const sa = await this.lookup.getServiceAccount(namespace, saRef.name);
    if (sa === undefined) return { reason: notFound('serviceaccounts', saRef.name) };
    if (deletedBefore(sa, invalidIfDeletedBefore)) {
      return { reason: `service account ${namespace}/${saRef.name} has been deleted` };
    }
    const saUid = sa.metadata?.uid ?? '';
    if (saUid !== saRef.uid) {
      return { reason: `service account UID (${saUid}) does not match claim (${saRef.uid ?? ''})` };
    }

    const invalidated = { reason: 'service account token has been invalidated' };
    if (secretRef !== undefined) {
      const secret = await this.lookup.getSecret(namespace, secretRef.name);
      if (secret === undefined || deletedBefore(secret, invalidIfDeletedBefore)) return invalidated;
      const uid = secret.metadata?.uid ?? '';
      if (uid !== secretRef.uid) {
        return {
          reason: `secret UID (${uid}) does not match service account secret ref claim (${secretRef.uid ?? ''})`,
        };
      }
    }

    const info: ServiceAccountInfo = { namespace, name: saRef.name, uid: saRef.uid ?? '' };
    if (podRef !== undefined) {
      const pod = await this.lookup.getPod(namespace, podRef.name);
      if (pod === undefined || deletedBefore(pod, invalidIfDeletedBefore)) return invalidated;
      const uid = pod.metadata?.uid ?? '';
      if (uid !== podRef.uid) {
        return {
          reason: `pod UID (${uid}) does not match service account pod ref claim (${podRef.uid ?? ''})`,
        };
      }
      info.podName = podRef.name;
      info.podUid = podRef.uid ?? '';
    }

    if (nodeRef !== undefined) {
      if (podRef === undefined) {
        // A node-bound token lives only as long as its node.
        const node = await this.lookup.getNode(nodeRef.name);
        if (node === undefined || deletedBefore(node, invalidIfDeletedBefore)) return invalidated;
        const uid = node.metadata?.uid ?? '';
        if (uid !== nodeRef.uid) {
          return {
            reason: `node UID (${uid}) does not match service account node ref claim (${nodeRef.uid ?? ''})`,
          };
        }
      }
      // For pod-bound tokens the node claim is informational only.
      info.nodeName = nodeRef.name;
      info.nodeUid = nodeRef.uid ?? '';
    }

    const jti = stringOf(claims['jti']);
    if (jti !== '') info.credentialId = credentialIdForJti(jti);

    let stale: string | undefined;
    const warnafter = numericDate(k8s['warnafter']);
    if (warnafter !== undefined && warnafter !== 0 && now > warnafter) {
      stale = `subject: ${stringOf(claims['sub'])}, seconds after warning threshold: ${now - warnafter}`;
    }
    return stale === undefined ? { info } : { info, stale };
  }
}

function ref(name: string, uid: string | undefined): ClaimRef {
  // omitempty: an unknown uid is left out.
  return uid ? { name, uid } : { name };
}

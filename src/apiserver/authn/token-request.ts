/**
 * The `serviceaccounts/<name>/token` subresource (TokenRequest, authentication.k8s.io/v1), as
 * upstream's pkg/registry/core/serviceaccount/storage/token.go with the static validation of
 * pkg/apis/authentication/validation: check the request, resolve the bound object, clamp the
 * expiration, sign the token and answer the TokenRequest with its status.
 */
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  invalid,
  newBadRequest,
  newConflict,
  newInvalid,
  newNotFound,
  newPath,
  type FieldError,
} from '../../api/index.ts';
import type { IssueRequest, ServiceAccountTokenGetter, ServiceAccountTokens } from './sa-tokens.ts';

/** Default spec.expirationSeconds (SetDefaults_TokenRequestSpec): one hour. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** Shortest token a client may ask for (validation.MinTokenAgeSec). */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
/** Longest token a client may ask for: 2^32 seconds. */
export const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;
/**
 * A pod-bound token asked for exactly this long (kubelet's default projected token) is issued
 * for a year but flagged stale after this (token.WarnOnlyBoundTokenExpirationSeconds).
 */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
/** The extended lifetime of such tokens (token.ExpirationExtensionSeconds): one year. */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;

const TOKEN_REQUEST_KIND = { group: 'authentication.k8s.io', kind: 'TokenRequest' };

/** Inputs of {@link tokenRequest}. */
export interface TokenRequestOptions {
  /** Namespace from the URL. */
  namespace: string;
  /** Service account name from the URL. */
  name: string;
  /** The decoded request body (a TokenRequest); not modified. */
  body: unknown;
  tokens: ServiceAccountTokens;
  lookup: ServiceAccountTokenGetter;
  /** --service-account-max-token-expiration in seconds; 0 or unset: no maximum. */
  maxExpirationSeconds?: number;
  /** --service-account-extend-token-expiration (default true, as upstream). */
  extendExpiration?: boolean;
  /** Request time; defaults to the tokens' clock. */
  now?: Date;
  /** Validating admission over the defaulted request (createValidation); throws to deny. */
  admit?: (req: TokenRequest) => Promise<void>;
}

/** The answer: the TokenRequest with its status, and warnings for the Warning header. */
export interface TokenRequestResult {
  tokenRequest: TokenRequest;
  warnings: string[];
}

/** metav1.Time on the wire: RFC 3339 in UTC at second precision. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ValidateTokenRequest: the expiration bounds. */
export function validateTokenRequest(req: TokenRequest): FieldError[] {
  const errs: FieldError[] = [];
  const path = newPath('spec', 'expirationSeconds');
  const exp = req.spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (exp < MIN_TOKEN_EXPIRATION_SECONDS) {
    errs.push(invalid(path, exp, 'may not specify a duration less than 10 minutes'));
  }
  if (exp > MAX_TOKEN_EXPIRATION_SECONDS) {
    errs.push(invalid(path, exp, 'may not specify a duration larger than 2^32 seconds'));
  }
  return errs;
}

/** schema.FromAPIVersionAndKind: an unparsable apiVersion leaves group and version empty. */
function groupVersionKind(
  apiVersion: string,
  kind: string,
): { group: string; version: string; kind: string } {
  const parts = apiVersion.split('/');
  if (apiVersion === '') return { group: '', version: '', kind };
  if (parts.length === 1) return { group: '', version: apiVersion, kind };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '', kind };
  return { group: '', version: '', kind };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Copies the request with defaults applied (SetDefaults_TokenRequestSpec). */
function decode(body: unknown): TokenRequest {
  const obj = isRecord(body) ? body : {};
  const req = structuredClone(obj) as unknown as TokenRequest;
  if (!isRecord(req.spec)) req.spec = {} as TokenRequest['spec'];
  if (!Array.isArray(req.spec.audiences)) req.spec.audiences = [];
  if (typeof req.spec.expirationSeconds !== 'number') {
    req.spec.expirationSeconds = DEFAULT_TOKEN_EXPIRATION_SECONDS;
  }
  return req;
}

/**
 * Answers a TokenRequest for service account `name` in `namespace` (upstream TokenREST.Create).
 * Throws StatusErrors with upstream's messages: 422 when metadata disagrees with the URL or the
 * expiration is out of bounds, 404 when the account or bound object is missing, 400 for a pod
 * of another account or an unsupported bound kind, 409 when the bound uid changed.
 */
export async function tokenRequest(opts: TokenRequestOptions): Promise<TokenRequestResult> {
  const { namespace, name, lookup, tokens } = opts;
  const req = decode(opts.body);
  const warnings: string[] = [];
  const meta = req.metadata ?? {};

  if (meta.name && meta.name !== name) {
    throw newInvalid(TOKEN_REQUEST_KIND, name, [
      invalid(
        newPath('metadata', 'name'),
        meta.name,
        'must match the service account name if specified',
      ),
    ]);
  }
  if (meta.namespace && meta.namespace !== namespace) {
    throw newInvalid(TOKEN_REQUEST_KIND, name, [
      invalid(
        newPath('metadata', 'namespace'),
        meta.namespace,
        'must match the service account namespace if specified',
      ),
    ]);
  }

  const sa = await lookup.getServiceAccount(namespace, name);
  if (sa === undefined) throw newNotFound({ group: '', resource: 'serviceaccounts' }, name);

  const spec = req.spec;
  if (spec.audiences.length === 0) spec.audiences = [...tokens.apiAudiences];
  const now = opts.now ?? new Date();
  const { name: _n, namespace: _ns, creationTimestamp: _c, ...restMeta } = meta;
  req.metadata = {
    name: meta.name || (sa.metadata?.name ?? name),
    namespace: meta.namespace || (sa.metadata?.namespace ?? namespace),
    ...restMeta,
    creationTimestamp: formatTime(now),
  };
  delete req.status;

  const errs = validateTokenRequest(req);
  if (errs.length > 0) throw newInvalid(TOKEN_REQUEST_KIND, '', errs);
  if (opts.admit) await opts.admit(structuredClone(req));

  let pod: Pod | undefined;
  let node: { name: string; uid?: string } | undefined;
  let secret: { name: string; uid: string } | undefined;
  const ref = spec.boundObjectRef;
  if (ref !== undefined) {
    const gvk = groupVersionKind(ref.apiVersion ?? '', ref.kind ?? '');
    const refName = ref.name ?? '';
    let uid: string;
    if (gvk.group === '' && gvk.kind === 'Pod') {
      pod = await lookup.getPod(namespace, refName);
      if (pod === undefined) throw newNotFound({ group: '', resource: 'pods' }, refName);
      if (name !== pod.spec?.serviceAccountName) {
        throw newBadRequest(
          `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`,
        );
      }
      uid = pod.metadata?.uid ?? '';
      const nodeName = pod.spec.nodeName ?? '';
      if (nodeName !== '') {
        // A missing node still names the pod's node, without a uid.
        const n: Node | undefined = await lookup.getNode(nodeName);
        node =
          n === undefined ? { name: nodeName } : { name: nodeName, uid: n.metadata?.uid ?? '' };
      }
    } else if (gvk.group === '' && gvk.kind === 'Node') {
      const n = await lookup.getNode(refName);
      if (n === undefined) throw newNotFound({ group: '', resource: 'nodes' }, refName);
      uid = n.metadata?.uid ?? '';
      node = { name: n.metadata?.name ?? refName, uid };
    } else if (gvk.group === '' && gvk.kind === 'Secret') {
      const s = await lookup.getSecret(namespace, refName);
      if (s === undefined) throw newNotFound({ group: '', resource: 'secrets' }, refName);
      uid = s.metadata?.uid ?? '';
      secret = { name: s.metadata?.name ?? refName, uid };
    } else {
      throw newBadRequest(
        `cannot bind token to object of type ${gvk.group}/${gvk.version}, Kind=${gvk.kind}`,
      );
    }
    if (ref.uid && uid !== ref.uid) {
      throw newConflict(
        { group: gvk.group, resource: gvk.kind },
        refName,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
  }

  const max = opts.maxExpirationSeconds ?? 0;
  let requested = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (max > 0 && requested > max) {
    warnings.push(`requested expiration of ${requested} seconds shortened to ${max} seconds`);
    requested = max;
    spec.expirationSeconds = max;
  }

  // Safe transition of projected tokens: warn (not fail) after the requested time, fail after
  // a year. Only for pod-bound tokens meant for this API server.
  let warnAfter = 0;
  let exp = requested;
  const kubeAudiences = spec.audiences.every((a) => tokens.apiAudiences.includes(a));
  if (
    (opts.extendExpiration ?? true) &&
    pod !== undefined &&
    requested === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS &&
    kubeAudiences
  ) {
    warnAfter = exp;
    exp = EXPIRATION_EXTENSION_SECONDS;
  }

  const issue: IssueRequest = {
    serviceAccount: {
      namespace: sa.metadata?.namespace ?? namespace,
      name: sa.metadata?.name ?? name,
      uid: sa.metadata?.uid ?? '',
    },
    audiences: spec.audiences,
    expirationSeconds: exp,
    now,
  };
  if (pod !== undefined)
    issue.pod = { name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
  if (secret !== undefined) issue.secret = secret;
  if (node !== undefined) issue.node = node;
  if (warnAfter !== 0) issue.warnAfterSeconds = warnAfter;
  const { token } = await tokens.issue(issue);

  const out: TokenRequest = {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: req.metadata,
    spec,
    status: {
      token,
      expirationTimestamp: formatTime(new Date(now.getTime() + requested * 1000)),
    },
  };
  return { tokenRequest: out, warnings };
}

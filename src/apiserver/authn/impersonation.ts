/**
 * Impersonation (`kubectl --as`, `--as-group`, `--as-uid`), as upstream's
 * staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go: every user, service
 * account, group, uid and extra value asked for must be authorised with verb `impersonate`
 * for the requesting user; the request then runs as the impersonated user.
 */
import { goQuote, newForbidden, StatusError, StatusReason } from '../../api/index.ts';
import type { UserInfo } from '../user.ts';
import type { MaybePromise } from './errors.ts';
import {
  ALL_AUTHENTICATED_GROUP,
  ALL_UNAUTHENTICATED_GROUP,
  ANONYMOUS_USER,
  makeServiceAccountGroupNames,
  makeServiceAccountUsername,
  splitServiceAccountUsername,
} from './service-account.ts';

/** Header names (lower case, as Node delivers them). */
export const IMPERSONATE_USER_HEADER = 'impersonate-user';
export const IMPERSONATE_GROUP_HEADER = 'impersonate-group';
export const IMPERSONATE_UID_HEADER = 'impersonate-uid';
export const IMPERSONATE_USER_EXTRA_HEADER_PREFIX = 'impersonate-extra-';

/** Request headers by lower-case name, every value kept (repeated headers matter here). */
export type HeaderMap = ReadonlyMap<string, readonly string[]>;

/**
 * Builds a HeaderMap from Node's `rawHeaders` (name, value, name, value...), which keeps
 * repeated headers apart where `req.headers` would join them with ", ".
 */
export function headerMapFromRaw(rawHeaders: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const values = out.get(name);
    if (values === undefined) out.set(name, [rawHeaders[i + 1] ?? '']);
    else values.push(rawHeaders[i + 1] ?? '');
  }
  return out;
}

/** True for the headers impersonation consumes (strip them before proxying anywhere). */
export function isImpersonationHeader(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n === IMPERSONATE_USER_HEADER ||
    n === IMPERSONATE_GROUP_HEADER ||
    n === IMPERSONATE_UID_HEADER ||
    n.startsWith(IMPERSONATE_USER_EXTRA_HEADER_PREFIX)
  );
}

/** The authorizer.Attributes of one impersonation check (a resource request). */
export interface ImpersonationAttributes {
  user: UserInfo;
  verb: 'impersonate';
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  resourceRequest: true;
}

/** The lead's authorizer: allowed or not, and the reason a denial gives (may be ''). */
export type ImpersonationAuthorizer = (
  attrs: ImpersonationAttributes,
) => MaybePromise<{ allowed: boolean; reason?: string }>;

/** One thing asked for (upstream builds v1.ObjectReferences). */
interface ImpersonationRequest {
  kind: 'ServiceAccount' | 'User' | 'Group' | 'UserExtra' | 'UID';
  namespace: string;
  name: string;
  apiVersion: string;
  fieldPath: string;
}

/** Go's `%v` of a v1.ObjectReference, for the error message. */
function goObjectReference(r: ImpersonationRequest): string {
  return `{${[r.kind, r.namespace, r.name, '', r.apiVersion, '', r.fieldPath].join(' ')}}`;
}

/** url.PathUnescape, keeping the raw key when it is not valid escaping. */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function first(headers: HeaderMap, name: string): string {
  return headers.get(name)?.[0] ?? '';
}

/** buildImpersonationRequests: what the headers ask for, in upstream's order. */
function buildRequests(headers: HeaderMap): { requests: ImpersonationRequest[]; error?: string } {
  const requests: ImpersonationRequest[] = [];
  const base = { namespace: '', apiVersion: '', fieldPath: '' };
  const requestedUser = first(headers, IMPERSONATE_USER_HEADER);
  const hasUser = requestedUser.length > 0;
  if (hasUser) {
    const sa = splitServiceAccountUsername(requestedUser);
    if (sa !== undefined) {
      requests.push({ ...base, kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name });
    } else {
      requests.push({ ...base, kind: 'User', name: requestedUser });
    }
  }
  const groups = headers.get(IMPERSONATE_GROUP_HEADER) ?? [];
  for (const group of groups) requests.push({ ...base, kind: 'Group', name: group });

  let hasUserExtra = false;
  // Go iterates a map here (random order); sorted names keep our checks deterministic.
  const extraHeaders = [...headers.keys()]
    .filter((n) => n.startsWith(IMPERSONATE_USER_EXTRA_HEADER_PREFIX))
    .sort();
  for (const name of extraHeaders) {
    hasUserExtra = true;
    const key = unescapeExtraKey(name.slice(IMPERSONATE_USER_EXTRA_HEADER_PREFIX.length));
    for (const value of headers.get(name) ?? []) {
      requests.push({
        kind: 'UserExtra',
        namespace: '',
        name: value,
        apiVersion: 'authentication.k8s.io/v1',
        fieldPath: key,
      });
    }
  }

  const requestedUid = first(headers, IMPERSONATE_UID_HEADER);
  const hasUid = requestedUid.length > 0;
  if (hasUid) {
    requests.push({
      ...base,
      kind: 'UID',
      name: requestedUid,
      apiVersion: 'authentication.k8s.io/v1',
    });
  }

  if ((groups.length > 0 || hasUserExtra || hasUid) && !hasUser) {
    return {
      requests,
      error: `requested [${requests.map(goObjectReference).join(' ')}] without impersonating a user`,
    };
  }
  return { requests };
}

/**
 * Applies the impersonation headers of a request made by `requestor`. Returns undefined when
 * there are none (the request runs as the requestor), else the impersonated user. Throws a
 * StatusError: 500 InternalError for groups, extras or a uid without a user (upstream answers
 * `responsewriters.InternalError` with `Internal Server Error: "<uri>": requested [...] without
 * impersonating a user`), 403 Forbidden for the first check the authorizer denies, e.g.
 * `users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group ""
 * at the cluster scope`. Checks run in order: user or service account, groups, extras, uid.
 */
export async function impersonate(
  headers: HeaderMap,
  requestor: UserInfo,
  authorize: ImpersonationAuthorizer,
  requestURI = '',
): Promise<UserInfo | undefined> {
  const { requests, error } = buildRequests(headers);
  if (error !== undefined) {
    throw new StatusError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: sanitize(`Internal Server Error: ${goQuote(requestURI)}: ${error}`),
      reason: StatusReason.InternalError,
      code: 500,
    });
  }
  if (requests.length === 0) return undefined;

  const groupsSpecified = (headers.get(IMPERSONATE_GROUP_HEADER) ?? []).length > 0;
  let username = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  let uid = '';
  for (const r of requests) {
    const attrs: ImpersonationAttributes = {
      user: requestor,
      verb: 'impersonate',
      apiGroup: r.apiVersion === '' ? '' : 'authentication.k8s.io',
      apiVersion: 'v1',
      resource: '',
      subresource: '',
      namespace: r.namespace,
      name: r.name,
      resourceRequest: true,
    };
    switch (r.kind) {
      case 'ServiceAccount':
        attrs.resource = 'serviceaccounts';
        username = makeServiceAccountUsername(r.namespace, r.name);
        if (!groupsSpecified) groups = makeServiceAccountGroupNames(r.namespace);
        break;
      case 'User':
        attrs.resource = 'users';
        username = r.name;
        break;
      case 'Group':
        attrs.resource = 'groups';
        groups.push(r.name);
        break;
      case 'UserExtra':
        attrs.resource = 'userextras';
        attrs.subresource = r.fieldPath;
        (extra[r.fieldPath] ??= []).push(r.name);
        break;
      case 'UID':
        attrs.resource = 'uids';
        uid = r.name;
        break;
    }
    const decision = await authorize(attrs);
    if (!decision.allowed) throw forbidden(attrs, decision.reason ?? '');
  }

  if (username !== ANONYMOUS_USER) {
    if (!groups.some((g) => g === ALL_AUTHENTICATED_GROUP || g === ALL_UNAUTHENTICATED_GROUP)) {
      groups.push(ALL_AUTHENTICATED_GROUP);
    }
  } else if (!groups.includes(ALL_UNAUTHENTICATED_GROUP)) {
    groups.push(ALL_UNAUTHENTICATED_GROUP);
  }
  const user: UserInfo = { username, groups };
  if (uid !== '') user.uid = uid;
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}

/** responsewriters' sanitizer: messages may end up in HTML. */
function sanitize(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** responsewriters.Forbidden for a resource request (forbiddenMessage + reason). */
function forbidden(attrs: ImpersonationAttributes, reason: string): StatusError {
  const resource =
    attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const head = `User ${goQuote(attrs.user.username)} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ${goQuote(attrs.apiGroup)}`;
  const msg = sanitize(
    attrs.namespace !== ''
      ? `${head} in the namespace ${goQuote(attrs.namespace)}`
      : `${head} at the cluster scope`,
  );
  return newForbidden(
    { group: attrs.apiGroup, resource: attrs.resource },
    attrs.name,
    reason === '' ? msg : `${msg}: ${reason}`,
  );
}

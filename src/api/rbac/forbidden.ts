/**
 * The 403 text the API server writes when authorization fails (upstream
 * apiserver/pkg/endpoints/handlers/responsewriters/errors.go Forbidden / forbiddenMessage).
 */
import { newForbidden } from '../errors.ts';
import type { StatusError } from '../errors.ts';
import type { AuthorizationAttributes } from './types.ts';
import { quote } from './quote.ts';

/**
 * `User "alice" cannot list resource "pods" in API group "" in the namespace "dev"`, or
 * `... at the cluster scope`, or `User "alice" cannot get path "/healthz"` for a non-resource
 * request. A subresource is written `pods/log`; the object name is not part of this text (it
 * appears in the Status message prefix, see {@link forbiddenError}).
 */
export function forbiddenMessage(attrs: AuthorizationAttributes): string {
  const username = attrs.user.username;
  if (!attrs.resourceRequest) {
    return `User ${quote(username)} cannot ${attrs.verb} path ${quote(attrs.path ?? '')}`;
  }
  let resource = attrs.resource ?? '';
  const sub = attrs.subresource ?? '';
  if (sub !== '') resource = `${resource}/${sub}`;
  const group = quote(attrs.apiGroup ?? '');
  const ns = attrs.namespace ?? '';
  if (ns !== '') {
    return `User ${quote(username)} cannot ${attrs.verb} resource ${quote(resource)} in API group ${group} in the namespace ${quote(ns)}`;
  }
  return `User ${quote(username)} cannot ${attrs.verb} resource ${quote(resource)} in API group ${group} at the cluster scope`;
}

/** The HTML-escaping upstream applies to the message (`&`, `<`, `>`), not to the reason. */
function sanitize(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * The 403 StatusError of a refused request: message `<resource>[.group] "<name>" is forbidden:
 * <forbiddenMessage>[: <reason>]` (no resource part for non-resource requests: `forbidden: User
 * "x" cannot get path "/"`), details {name, group, kind: resource}. `reason` is the
 * authorizers' reason text ('' for none).
 */
export function forbiddenError(attrs: AuthorizationAttributes, reason: string): StatusError {
  const msg = sanitize(forbiddenMessage(attrs));
  const full = reason === '' ? msg : `${msg}: ${reason}`;
  return newForbidden(
    { group: attrs.apiGroup ?? '', resource: attrs.resource ?? '' },
    attrs.name ?? '',
    full,
  );
}

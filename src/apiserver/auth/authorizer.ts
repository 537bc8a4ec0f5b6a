/**
 * The API server's authorizer chain (upstream's union of authorization modes, in the order
 * `--authorization-mode=Node,RBAC` plus the privileged-group authorizer in front): members of
 * `system:masters` may do anything; otherwise the first authorizer with an opinion decides,
 * and when none has one the request is denied. Synchronous: every authorizer reads in-memory
 * state only.
 */
import type { AuthorizationAttributes, Decision, UserInfo } from '../../api/index.ts';
import type { RequestInfo } from '../request-info.ts';

/** One authorization mode (RBAC, Node, ...). */
export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): Decision;
}

/** The group whose members are always allowed (upstream's system:masters). */
export const PRIVILEGED_GROUP = 'system:masters';

const ALLOW: Decision = { decision: 'allow', reason: '' };

/** Upstream's union authorizer with the privileged group first. */
export class AuthorizerChain implements Authorizer {
  constructor(private readonly authorizers: readonly Authorizer[]) {}

  authorize(attrs: AuthorizationAttributes): Decision {
    if (attrs.user.groups.includes(PRIVILEGED_GROUP)) return ALLOW;
    const reasons: string[] = [];
    for (const a of this.authorizers) {
      const d = a.authorize(attrs);
      if (d.decision !== 'no-opinion') return d;
      if (d.reason !== '') reasons.push(d.reason);
    }
    return { decision: 'no-opinion', reason: reasons.join('\n') };
  }
}

/**
 * The attributes of a request as upstream's WithAuthorization filter builds them: resource
 * requests carry the group, version, namespace, resource, subresource and name; everything
 * else (discovery, OpenAPI, /version) is a non-resource request on its path with the HTTP
 * method as verb.
 */
export function requestAttributes(
  user: UserInfo,
  info: RequestInfo,
  path: string,
): AuthorizationAttributes {
  if (!info.isResourceRequest) {
    return { user, verb: info.verb, resourceRequest: false, path };
  }
  return {
    user,
    verb: info.verb,
    resourceRequest: true,
    namespace: info.namespace,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}

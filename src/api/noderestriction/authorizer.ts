// The Node authorizer (upstream plugin/pkg/auth/authorizer/node/node_authorizer.go, Kubernetes
// 1.32 with default feature gates, AuthorizeNodeWithSelectors on). It answers only for node
// users (`system:node:<name>` in `system:nodes`); for everyone else, and for node requests it
// does not allow, it has no opinion so the next authorizer (RBAC) decides.
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { FieldRequirement } from '../fields.ts';
import { bootstrapClusterRoles, rulesAllow } from '../rbac/index.ts';
import type { AuthorizationAttributes, Decision } from '../rbac/index.ts';
import { NODE_LEASE_NAMESPACE } from './admission.ts';
import type { NodeGraph, NodeGraphVertexType } from './graph.ts';
import { nodeIdentity } from './node-identity.ts';

/**
 * Authorization attributes plus the request's parsed field selector (upstream
 * GetFieldSelector), which lets a node list/watch only its own pods and resource slices.
 */
export interface NodeAuthorizationAttributes extends AuthorizationAttributes {
  fieldSelector?: readonly FieldRequirement[];
}

/** Options of the Node authorizer. */
export interface NodeAuthorizerOptions {
  /** The static rules for resources the graph does not cover; default upstream NodeRules(). */
  nodeRules?: readonly PolicyRule[];
  /** AuthorizeNodeWithSelectors (beta, on in 1.32): scope node/pod reads; default true. */
  authorizeNodeWithSelectors?: boolean;
}

/** Upstream bootstrappolicy.NodeRules(): the rules of the `system:node` ClusterRole. */
export function defaultNodeRules(): PolicyRule[] {
  const role = bootstrapClusterRoles().find((r) => r.metadata?.name === 'system:node');
  return role?.rules ?? [];
}

const ALLOW: Decision = { decision: 'allow', reason: '' };

function noOpinion(reason: string): Decision {
  return { decision: 'no-opinion', reason };
}

/**
 * The Node authorizer. `authorize` is synchronous and cheap: graph lookups are O(1) except
 * for secrets and PVs, which walk the few edges that lead through PVs.
 */
export class NodeAuthorizer {
  /** Authorizer name. */
  readonly name = 'Node';
  private readonly nodeRules: readonly PolicyRule[];
  private readonly withSelectors: boolean;

  constructor(
    private readonly graph: NodeGraph,
    options: NodeAuthorizerOptions = {},
  ) {
    this.nodeRules = options.nodeRules ?? defaultNodeRules();
    this.withSelectors = options.authorizeNodeWithSelectors ?? true;
  }

  /** Decides a request: 'allow' or 'no-opinion' (the Node authorizer never denies). */
  authorize(attrs: NodeAuthorizationAttributes): Decision {
    const { nodeName, isNode } = nodeIdentity(attrs.user);
    if (!isNode) return noOpinion('');
    if (nodeName === '') {
      return noOpinion(`unknown node for user ${JSON.stringify(attrs.user.username)}`);
    }
    if (attrs.resourceRequest) {
      const group = attrs.apiGroup ?? '';
      const resource = attrs.resource ?? '';
      if (group === '') {
        switch (resource) {
          case 'secrets':
            return this.authorizeReadNamespacedObject(nodeName, 'secret', attrs);
          case 'configmaps':
            return this.authorizeReadNamespacedObject(nodeName, 'configmap', attrs);
          case 'persistentvolumeclaims':
            if ((attrs.subresource ?? '') === 'status') {
              return this.authorizeStatusUpdate(nodeName, 'pvc', attrs);
            }
            return this.authorizeGet(nodeName, 'pvc', attrs);
          case 'persistentvolumes':
            return this.authorizeGet(nodeName, 'pv', attrs);
          case 'serviceaccounts':
            return this.authorizeCreateToken(nodeName, attrs);
          case 'nodes':
            if (this.withSelectors) return authorizeNode(nodeName, attrs);
            break;
          case 'pods':
            if (this.withSelectors) return this.authorizePod(nodeName, attrs);
            break;
          default:
            break;
        }
      } else if (group === 'resource.k8s.io' && resource === 'resourceclaims') {
        return this.authorizeGet(nodeName, 'resourceclaim', attrs);
      } else if (group === 'storage.k8s.io' && resource === 'volumeattachments') {
        return this.authorizeGet(nodeName, 'volumeattachment', attrs);
      } else if (group === 'coordination.k8s.io' && resource === 'leases') {
        return authorizeLease(nodeName, attrs);
      } else if (group === 'storage.k8s.io' && resource === 'csinodes') {
        return authorizeCSINode(nodeName, attrs);
      } else if (group === 'resource.k8s.io' && resource === 'resourceslices') {
        return this.authorizeResourceSlice(nodeName, attrs);
      }
    }
    // Access to other resources is not subdivided: the static node rules decide.
    if (rulesAllow(attrs, this.nodeRules)) return ALLOW;
    return noOpinion('');
  }

  private authorizeStatusUpdate(
    nodeName: string,
    type: NodeGraphVertexType,
    attrs: NodeAuthorizationAttributes,
  ): Decision {
    if (attrs.verb !== 'update' && attrs.verb !== 'patch') {
      return noOpinion('can only get/update/patch this type');
    }
    if ((attrs.subresource ?? '') !== 'status') {
      return noOpinion('can only update status subresource');
    }
    return this.authorizeRelated(nodeName, type, attrs);
  }

  private authorizeGet(
    nodeName: string,
    type: NodeGraphVertexType,
    attrs: NodeAuthorizationAttributes,
  ): Decision {
    if (attrs.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if ((attrs.subresource ?? '') !== '') return noOpinion('cannot get subresource');
    return this.authorizeRelated(nodeName, type, attrs);
  }

  private authorizeReadNamespacedObject(
    nodeName: string,
    type: NodeGraphVertexType,
    attrs: NodeAuthorizationAttributes,
  ): Decision {
    if (attrs.verb !== 'get' && attrs.verb !== 'list' && attrs.verb !== 'watch') {
      return noOpinion('can only read resources of this type');
    }
    if ((attrs.subresource ?? '') !== '') return noOpinion('cannot read subresource');
    if ((attrs.namespace ?? '') === '') {
      return noOpinion('can only read namespaced object of this type');
    }
    return this.authorizeRelated(nodeName, type, attrs);
  }

  private authorizeRelated(
    nodeName: string,
    type: NodeGraphVertexType,
    attrs: NodeAuthorizationAttributes,
  ): Decision {
    const name = attrs.name ?? '';
    if (name === '') return noOpinion('No Object name found');
    if (!this.graph.hasPathFrom(nodeName, type, attrs.namespace ?? '', name)) {
      return noOpinion(noRelationship(nodeName));
    }
    return ALLOW;
  }

  private authorizeCreateToken(nodeName: string, attrs: NodeAuthorizationAttributes): Decision {
    const name = attrs.name ?? '';
    if (attrs.verb !== 'create' || name === '') {
      return noOpinion('can only create tokens for individual service accounts');
    }
    if ((attrs.subresource ?? '') !== 'token') {
      return noOpinion('can only create token subresource of serviceaccount');
    }
    if (!this.graph.hasPathFrom(nodeName, 'serviceAccount', attrs.namespace ?? '', name)) {
      return noOpinion(noRelationship(nodeName));
    }
    return ALLOW;
  }

  private authorizeResourceSlice(nodeName: string, attrs: NodeAuthorizationAttributes): Decision {
    if ((attrs.subresource ?? '') !== '') {
      return noOpinion('cannot authorize ResourceSlice subresources');
    }
    switch (attrs.verb) {
      case 'create':
        // NodeRestriction admission checks spec.nodeName; the authorizer cannot see the body.
        return ALLOW;
      case 'get':
      case 'update':
      case 'patch':
      case 'delete':
        return this.authorizeRelated(nodeName, 'resourceslice', attrs);
      case 'watch':
      case 'list':
      case 'deletecollection':
        if (!this.withSelectors) return ALLOW;
        if (selects(attrs, 'nodeName', nodeName)) return ALLOW;
        return noOpinion(
          'can only list/watch/deletecollection resourceslices with nodeName field selector',
        );
      default:
        return noOpinion(
          'only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection',
        );
    }
  }

  private authorizePod(nodeName: string, attrs: NodeAuthorizationAttributes): Decision {
    const verb = attrs.verb;
    switch (attrs.subresource ?? '') {
      case '':
        if (verb === 'get') return this.authorizeGet(nodeName, 'pod', attrs);
        if (verb === 'list' || verb === 'watch') {
          if (selects(attrs, 'spec.nodeName', nodeName)) return ALLOW;
          // A single pod known to be related to the node may be read.
          if ((attrs.name ?? '') !== '') return this.authorizeRelated(nodeName, 'pod', attrs);
          return noOpinion('can only list/watch pods with spec.nodeName field selector');
        }
        // Mirror pods; NodeRestriction limits them to pods bound to this node.
        if (verb === 'create' || verb === 'delete') return ALLOW;
        break;
      case 'status':
        if (verb === 'update' || verb === 'patch') return ALLOW;
        break;
      case 'eviction':
        if (verb === 'create') return ALLOW;
        break;
      default:
        break;
    }
    return noOpinion('');
  }
}

function noRelationship(nodeName: string): string {
  return `no relationship found between node '${nodeName}' and this object`;
}

function selects(attrs: NodeAuthorizationAttributes, field: string, value: string): boolean {
  for (const r of attrs.fieldSelector ?? []) {
    if (r.field === field && r.operator === '=' && r.value === value) return true;
  }
  return false;
}

function authorizeNode(nodeName: string, attrs: NodeAuthorizationAttributes): Decision {
  const verb = attrs.verb;
  switch (attrs.subresource ?? '') {
    case '':
      // NodeRestriction limits a node to creating/updating its own Node object.
      if (verb === 'create' || verb === 'update' || verb === 'patch') return ALLOW;
      if (verb === 'get' || verb === 'list' || verb === 'watch') {
        // By name, not via the graph, so a kubelet can read its Node before creating it.
        const name = attrs.name ?? '';
        if (name === nodeName) return ALLOW;
        if (name === '') {
          return noOpinion(`node '${nodeName}' cannot read all nodes, only its own Node object`);
        }
        return noOpinion(`node '${nodeName}' cannot read '${name}', only its own Node object`);
      }
      break;
    case 'status':
      if (verb === 'update' || verb === 'patch') return ALLOW;
      break;
    default:
      break;
  }
  return noOpinion('');
}

function authorizeLease(nodeName: string, attrs: NodeAuthorizationAttributes): Decision {
  const verb = attrs.verb;
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(verb)) {
    return noOpinion('can only get, create, update, patch, or delete a node lease');
  }
  if ((attrs.namespace ?? '') !== NODE_LEASE_NAMESPACE) {
    return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  }
  // The name is unknown on create; NodeRestriction admission checks it then.
  if (verb !== 'create' && (attrs.name ?? '') !== nodeName) {
    return noOpinion('can only access node lease with the same name as the requesting node');
  }
  return ALLOW;
}

function authorizeCSINode(nodeName: string, attrs: NodeAuthorizationAttributes): Decision {
  const verb = attrs.verb;
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(verb)) {
    return noOpinion('can only get, create, update, patch, or delete a CSINode');
  }
  if ((attrs.subresource ?? '') !== '') return noOpinion('cannot authorize CSINode subresources');
  if (verb !== 'create' && (attrs.name ?? '') !== nodeName) {
    return noOpinion('can only access CSINode with the same name as the requesting node');
  }
  return ALLOW;
}

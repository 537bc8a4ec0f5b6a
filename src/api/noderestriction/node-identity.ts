// Upstream pkg/auth/nodeidentifier: which users are kubelets, and of which node.
import type { UserInfo } from '../user.ts';

/** Username prefix of node (kubelet) credentials: `system:node:<nodeName>`. */
export const NODE_USER_NAME_PREFIX = 'system:node:';
/** The group every node credential carries. */
export const NODES_GROUP = 'system:nodes';

/** The node a user acts for; `isNode` false for every other user. */
export interface NodeIdentity {
  /** The node name; '' when the user is a node but the name is empty (`system:node:`). */
  nodeName: string;
  isNode: boolean;
}

/**
 * Upstream defaultNodeIdentifier.NodeIdentity: a node is a user named `system:node:<name>` in
 * the `system:nodes` group. Both conditions are required.
 */
export function nodeIdentity(user: UserInfo | undefined): NodeIdentity {
  if (user === undefined || !user.username.startsWith(NODE_USER_NAME_PREFIX)) {
    return { nodeName: '', isNode: false };
  }
  if (!user.groups.includes(NODES_GROUP)) return { nodeName: '', isNode: false };
  return { nodeName: user.username.slice(NODE_USER_NAME_PREFIX.length), isNode: true };
}

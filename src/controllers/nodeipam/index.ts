/** The node IPAM controller (`node-ipam-controller`) and its CIDR set. */
export { CidrSet, NoCidrsRemainingError } from './cidr-set.ts';
export {
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_NODE_CIDR_MASK_SIZE,
  NodeIpamController,
} from './node-ipam.ts';
export type { NodeIpamControllerOptions } from './node-ipam.ts';

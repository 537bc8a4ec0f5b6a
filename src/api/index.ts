export { KUBERNETES_VERSION } from './version.ts';
export * from './errors.ts';
export * from './scheme.ts';
export * from './validation/index.ts';
export * from './quantity.ts';
export * from './labels.ts';
export * from './fields.ts';
export * from './intstr.ts';
export * from './defaults/index.ts';
export * from './printers/index.ts';
export * from './patch/index.ts';
export * from './protobuf/index.ts';
export * from './validation/types/index.ts';
export * from './managedfields/index.ts';
export * from './cel/index.ts';
export * from './fieldvalidation/index.ts';
export * from './warnings/index.ts';
export * from './crd/index.ts';
export type * from './user.ts';
export {
  APISERVER_KUBELET_CLIENT_USER,
  SIMULATED_NODE_LABEL,
  SIMULATED_NODE_POOL_GROUP,
  SIMULATED_NODE_POOL_USER,
} from './user.ts';
export * from './podsecurity/index.ts';
export * from './quota/index.ts';
export * from './rbac/index.ts';
export * from './serviceaccount/index.ts';
export * from './noderestriction/index.ts';
export * from './taints.ts';
export * from './pki/index.ts';
export * from './certificates/index.ts';
export { expand, mappingFor } from './expansion.ts';
export { formatCidr, ipv4ToNumber, numberToIpv4, parseCidr } from './ipv4.ts';
export type { Cidr } from './ipv4.ts';

/**
 * Simulated kubelets (kwok-like): a pool of nodes that exist only as API traffic, for scale
 * work (`skiff agent --simulated N`) and for tests of the controllers and the scheduler that
 * need nodes and running pods. See ./pool.ts for the behaviour and the scale design.
 */
export { SimulatedNodePool } from './pool.ts';
export type { SimulatedNodePoolOptions, SimulatedNodeSpec, SimulatedPoolStats } from './pool.ts';
export {
  DEFAULT_CAPACITY,
  EXIT_AFTER_ANNOTATION,
  NODE_LEASE_DURATION_SECONDS,
  NODE_LEASE_NAMESPACE,
  SIMULATED_KUBELET_VERSION,
  SIMULATED_RUNTIME_VERSION,
} from './status.ts';
export { defaultInternalIp, defaultPodCidr } from './ip.ts';
export { formatMicroTime, heartbeatCondition, nodeLease, renewedLease } from './status.ts';

export {
  NAME,
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  SYSTEM_DEFAULT_CONSTRAINTS,
  PodTopologySpread,
  newPodTopologySpread,
} from './pod-topology-spread.ts';
export type { PodTopologySpreadArgs } from './pod-topology-spread.ts';

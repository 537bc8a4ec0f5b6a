/**
 * The ReplicaSet and ReplicationController controllers (one implementation, parametrised by
 * kind, as upstream).
 */
export {
  BURST_REPLICAS,
  POD_CONTROLLER_UID_INDEX,
  ReplicaSetController,
  SLOW_START_INITIAL_BATCH_SIZE,
  getPodsToDelete,
  newReplicaSetController,
  newReplicationControllerController,
  podControllerUidIndex,
  slowStartBatch,
} from './replica-set.ts';
export type { ReplicaSetControllerOptions } from './replica-set.ts';

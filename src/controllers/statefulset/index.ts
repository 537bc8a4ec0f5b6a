/** The StatefulSet controller (upstream pkg/controller/statefulset). */
export { StatefulSetController, newStatefulSetController } from './stateful-set.ts';
export type { StatefulSetControllerOptions } from './stateful-set.ts';
export {
  POD_INDEX_LABEL,
  STATEFUL_SET_KIND,
  STATEFUL_SET_POD_NAME_LABEL,
  STATEFUL_SET_REVISION_LABEL,
  getOrdinal,
  getParentNameAndOrdinal,
  getPersistentVolumeClaimName,
  getPodName,
  identityMatches,
  newStatefulSetPod,
  storageMatches,
} from './utils.ts';

/** The disruption controller: PodDisruptionBudget status (upstream pkg/controller/disruption). */
export {
  DELETION_TIMEOUT_MS,
  DISRUPTION_ALLOWED_CONDITION,
  DisruptionController,
  INSUFFICIENT_PODS_REASON,
  SUFFICIENT_PODS_REASON,
  SYNC_FAILED_REASON,
  countHealthyPods,
  newDisruptionController,
  setCondition,
} from './disruption.ts';
export type { DisruptionControllerOptions } from './disruption.ts';

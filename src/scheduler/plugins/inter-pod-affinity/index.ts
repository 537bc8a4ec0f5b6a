export {
  NAME,
  ERR_REASON_AFFINITY,
  ERR_REASON_ANTI_AFFINITY,
  ERR_REASON_EXISTING_ANTI_AFFINITY,
  InterPodAffinity,
  newInterPodAffinity,
} from './inter-pod-affinity.ts';
export type { InterPodAffinityArgs } from './inter-pod-affinity.ts';

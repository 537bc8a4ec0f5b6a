/** The pod garbage collector (`pod-garbage-collector`). */
export {
  DEFAULT_TERMINATED_POD_GC_THRESHOLD,
  GC_CHECK_PERIOD_MS,
  OUT_OF_SERVICE_TAINT,
  PodGCController,
  QUARANTINE_TIME_MS,
  newPodGCController,
} from './podgc.ts';
export type { PodGCControllerOptions } from './podgc.ts';

// scheduling.k8s.io/v1 defaulting: pkg/apis/scheduling/v1/defaults.go (1.32).
import { defaultUnset } from './walk.ts';
import type { JsonObject } from './walk.ts';

/** SetDefaults_PriorityClass: preemptionPolicy PreemptLowerPriority. */
export function setPriorityClassDefaults(obj: JsonObject): void {
  defaultUnset(obj, 'preemptionPolicy', 'PreemptLowerPriority');
}

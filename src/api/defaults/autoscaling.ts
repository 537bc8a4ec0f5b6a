// autoscaling defaulting: pkg/apis/autoscaling/v2/defaults.go and v1/defaults.go (1.32).
import { child, cloneJson, defaultUnset, ensureChild, isEmptyList, isUnset } from './walk.ts';
import type { JsonObject } from './walk.ts';

/** autoscaling.DefaultCPUUtilization. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** The scale-up rules HPA used before behaviors existed: max(4 pods, 100%) per 15 s, no window. */
const DEFAULT_SCALE_UP: JsonObject = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};

/**
 * The scale-down rules: 100% per 15 s. stabilizationWindowSeconds stays unset because the
 * controller's --horizontal-pod-autoscaler-downscale-stabilization flag supplies it.
 */
const DEFAULT_SCALE_DOWN: JsonObject = {
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** copyHPAScalingRules over a fresh copy of the defaults: the given non-nil fields win. */
function scalingRules(given: unknown, defaults: JsonObject): JsonObject {
  const result = cloneJson(defaults);
  if (typeof given !== 'object' || given === null || Array.isArray(given)) return result;
  const g = given as JsonObject;
  for (const key of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) {
    if (!isUnset(g[key])) result[key] = g[key];
  }
  // Keep any other fields the client sent (unknown ones are pruned elsewhere).
  for (const [key, value] of Object.entries(g)) {
    if (!(key in result)) result[key] = value;
  }
  return result;
}

/**
 * autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1; metrics default to CPU
 * utilization 80% when empty; a given behavior gets both scaleUp and scaleDown completed with
 * the defaults (an absent behavior stays absent).
 */
export function setHorizontalPodAutoscalerV2Defaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  defaultUnset(spec, 'minReplicas', 1);
  if (isEmptyList(spec['metrics'])) {
    spec['metrics'] = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION },
        },
      },
    ];
  }
  const behavior = child(spec, 'behavior');
  if (behavior !== undefined) {
    behavior['scaleUp'] = scalingRules(behavior['scaleUp'], DEFAULT_SCALE_UP);
    behavior['scaleDown'] = scalingRules(behavior['scaleDown'], DEFAULT_SCALE_DOWN);
  }
}

/**
 * autoscaling/v1 SetDefaults_HorizontalPodAutoscaler: minReplicas 1. (The 80% CPU target that
 * v1 clients see comes from conversion of the stored v2 object, not from a v1 default.)
 */
export function setHorizontalPodAutoscalerV1Defaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec !== undefined) defaultUnset(spec, 'minReplicas', 1);
}

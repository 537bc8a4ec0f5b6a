// batch/v1 defaulting: pkg/apis/batch/v1/defaults.go and zz_generated.defaults.go (1.32, with
// JobBackoffLimitPerIndex and JobPodReplacementPolicy on, as they are by default).
import { setPodTemplateSpecDefaults } from './core.ts';
import {
  child,
  copyMap,
  defaultEmptyString,
  defaultUnset,
  ensureChild,
  isEmptyMap,
  isUnset,
  items,
} from './walk.ts';
import type { JsonObject } from './walk.ts';

/** math.MaxInt32: the backoffLimit of a Job that sets backoffLimitPerIndex. */
const MAX_INT32 = 2147483647;

/**
 * SetDefaults_Job: completions and parallelism 1 when both are unset (parallelism 1 alone when
 * only completions is set), backoffLimit 6 (MaxInt32 with backoffLimitPerIndex), labels from the
 * template when the Job has none, completionMode NonIndexed, suspend false, podFailurePolicy
 * onPodConditions status True, podReplacementPolicy (Failed with a podFailurePolicy, else
 * TerminatingOrFailed), manualSelector false; then the pod template defaults. The template's
 * restartPolicy is left as given (validation demands Never or OnFailure).
 */
export function setJobDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  if (isUnset(spec['completions']) && isUnset(spec['parallelism'])) {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  defaultUnset(spec, 'parallelism', 1);
  if (isUnset(spec['backoffLimit'])) {
    spec['backoffLimit'] = isUnset(spec['backoffLimitPerIndex']) ? 6 : MAX_INT32;
  }
  const templateLabels = child(child(child(spec, 'template') ?? {}, 'metadata') ?? {}, 'labels');
  // Go assigns the (possibly empty) map; an empty one is invisible on the wire, so skip it.
  if (templateLabels !== undefined && !isEmptyMap(templateLabels)) {
    const metadata = ensureChild(obj, 'metadata');
    if (metadata !== undefined && isEmptyMap(metadata['labels'])) {
      metadata['labels'] = copyMap(templateLabels);
    }
  }
  defaultUnset(spec, 'completionMode', 'NonIndexed');
  defaultUnset(spec, 'suspend', false);
  const podFailurePolicy = child(spec, 'podFailurePolicy');
  if (podFailurePolicy !== undefined) {
    for (const rule of items(podFailurePolicy, 'rules')) {
      for (const pattern of items(rule, 'onPodConditions')) {
        defaultEmptyString(pattern, 'status', 'True');
      }
    }
  }
  if (isUnset(spec['podReplacementPolicy'])) {
    spec['podReplacementPolicy'] = isUnset(spec['podFailurePolicy'])
      ? 'TerminatingOrFailed'
      : 'Failed';
  }
  defaultUnset(spec, 'manualSelector', false);
  const template = ensureChild(spec, 'template');
  if (template !== undefined) setPodTemplateSpecDefaults(template);
}

/**
 * SetDefaults_CronJob: concurrencyPolicy Allow, suspend false, successfulJobsHistoryLimit 3,
 * failedJobsHistoryLimit 1. The job template gets only the pod template defaults: SetDefaults_Job
 * is for Job objects, so jobTemplate.spec keeps no parallelism/backoffLimit defaults.
 */
export function setCronJobDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  defaultEmptyString(spec, 'concurrencyPolicy', 'Allow');
  defaultUnset(spec, 'suspend', false);
  defaultUnset(spec, 'successfulJobsHistoryLimit', 3);
  defaultUnset(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = ensureChild(ensureChild(spec, 'jobTemplate') ?? {}, 'spec');
  const template = jobSpec === undefined ? undefined : ensureChild(jobSpec, 'template');
  if (template !== undefined) setPodTemplateSpecDefaults(template);
}

/**
 * batch/v1 validation, ported from Kubernetes 1.32 pkg/apis/batch/validation/validation.go,
 * plus the Job strategy's selector generation (`prepareJob`), which upstream runs in the job
 * strategy's Validate once the uid is known.
 */
import type { CronJob, Job, JobSpec, JobTemplateSpec } from 'kubernetes-types/batch/v1.js';
import { labelSelectorAsSelector } from '../../labels.ts';
import { invalid, newPath, notSupported, required } from '../field-errors.ts';
import type { FieldError, FieldPath } from '../field-errors.ts';
import { isDNS1123Label } from '../names.ts';
import { parseStandardCron, isKnownTimeZone, CronParseError } from './cron.ts';
import { validatePodTemplateSpec } from './pod.ts';
import {
  asObj,
  semanticEqual,
  validateImmutable,
  validateLabelSelector,
  validateNonnegative,
} from './util.ts';

/** Upstream batch.LegacyJobNameLabel / JobNameLabel / LegacyControllerUidLabel / ControllerUidLabel. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100000;

/**
 * The job strategy's selector generation (upstream generateSelector), applied in place unless
 * `spec.manualSelector` is true: adds the job-name and controller-uid labels (legacy and
 * prefixed) to the pod template where absent, and `batch.kubernetes.io/controller-uid=<uid>` to
 * `spec.selector.matchLabels`. Call it on create, after the uid is assigned and before
 * {@link validateCreate}. Idempotent. Labels the user already set are kept (a conflicting value
 * is then rejected by validation, as upstream).
 */
export function prepareJob(obj: Record<string, unknown>, uid: string): void {
  const spec = asObj(obj.spec);
  if (spec === undefined || spec.manualSelector === true) return;
  const meta = asObj(obj.metadata) ?? {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const template = asObj(spec.template) ?? {};
  spec.template = template;
  const tmeta = asObj(template.metadata) ?? {};
  template.metadata = tmeta;
  const labels = (asObj(tmeta.labels) ?? {}) as Record<string, unknown>;
  tmeta.labels = labels;
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) {
    if (!(key in labels)) labels[key] = name;
  }
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) {
    if (!(key in labels)) labels[key] = uid;
  }
  const selector = asObj(spec.selector) ?? {};
  spec.selector = selector;
  const matchLabels = (asObj(selector.matchLabels) ?? {}) as Record<string, unknown>;
  selector.matchLabels = matchLabels;
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}

function validateHasLabel(
  labels: Record<string, string>,
  key: string,
  expected: string,
  path: FieldPath,
): FieldError[] {
  if (!(key in labels)) return [required(path.child('labels').key(key), `must be '${expected}'`)];
  if (labels[key] !== expected)
    return [invalid(path.child('labels').key(key), labels, `must be '${expected}'`)];
  return [];
}

function validateGeneratedSelector(job: Job, prefixed: boolean): FieldError[] {
  const spec = job.spec;
  if (spec?.manualSelector === true || spec?.selector === undefined) return [];
  const errs: FieldError[] = [];
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  if (uid === '') errs.push(required(newPath('metadata', 'uid')));
  const labels = spec.template.metadata?.labels ?? {};
  const tp = newPath('spec', 'template', 'metadata');
  const uidKey = prefixed ? CONTROLLER_UID_LABEL : LEGACY_CONTROLLER_UID_LABEL;
  const nameKey = prefixed ? JOB_NAME_LABEL : LEGACY_JOB_NAME_LABEL;
  errs.push(...validateHasLabel(labels, uidKey, uid, tp));
  errs.push(...validateHasLabel(labels, nameKey, name, tp));
  try {
    const sel = labelSelectorAsSelector(spec.selector);
    if (!sel.matches({ [uidKey]: uid, [nameKey]: name })) {
      errs.push(
        invalid(newPath('spec', 'selector'), spec.selector, '`selector` not auto-generated'),
      );
    }
  } catch {
    // An unconvertible selector is reported by the selector validation.
  }
  return errs;
}

function validateJobSpecCommon(spec: JobSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.parallelism !== undefined)
    errs.push(...validateNonnegative(spec.parallelism, path.child('parallelism')));
  if (spec.completions !== undefined)
    errs.push(...validateNonnegative(spec.completions, path.child('completions')));
  if (spec.activeDeadlineSeconds !== undefined) {
    errs.push(
      ...validateNonnegative(spec.activeDeadlineSeconds, path.child('activeDeadlineSeconds')),
    );
  }
  if (spec.backoffLimit !== undefined)
    errs.push(...validateNonnegative(spec.backoffLimit, path.child('backoffLimit')));
  if (spec.ttlSecondsAfterFinished !== undefined) {
    errs.push(
      ...validateNonnegative(spec.ttlSecondsAfterFinished, path.child('ttlSecondsAfterFinished')),
    );
  }
  const indexed = spec.completionMode === 'Indexed';
  if (spec.backoffLimitPerIndex !== undefined) {
    errs.push(
      ...validateNonnegative(spec.backoffLimitPerIndex, path.child('backoffLimitPerIndex')),
    );
    if (!indexed) {
      errs.push(
        invalid(
          path.child('backoffLimitPerIndex'),
          spec.backoffLimitPerIndex,
          'requires indexed completion mode',
        ),
      );
    }
  }
  if (spec.maxFailedIndexes !== undefined) {
    errs.push(...validateNonnegative(spec.maxFailedIndexes, path.child('maxFailedIndexes')));
    if (spec.backoffLimitPerIndex === undefined) {
      errs.push(required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
    }
  }
  if (spec.completionMode !== undefined) {
    if (spec.completionMode !== 'NonIndexed' && !indexed) {
      errs.push(
        notSupported(path.child('completionMode'), spec.completionMode, ['NonIndexed', 'Indexed']),
      );
    }
    if (indexed) {
      if (spec.completions === undefined) {
        errs.push(required(path.child('completions'), 'when completion mode is Indexed'));
      }
      if (spec.parallelism !== undefined && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(
          invalid(
            path.child('parallelism'),
            spec.parallelism,
            `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`,
          ),
        );
      }
    }
  }
  if (spec.podReplacementPolicy !== undefined) {
    if (spec.podFailurePolicy !== undefined) {
      if (spec.podReplacementPolicy !== 'Failed') {
        errs.push(
          notSupported(path.child('podReplacementPolicy'), spec.podReplacementPolicy, ['Failed']),
        );
      }
    } else if (
      spec.podReplacementPolicy !== 'Failed' &&
      spec.podReplacementPolicy !== 'TerminatingOrFailed'
    ) {
      errs.push(
        notSupported(path.child('podReplacementPolicy'), spec.podReplacementPolicy, [
          'Failed',
          'TerminatingOrFailed',
        ]),
      );
    }
  }
  if (spec.managedBy !== undefined) {
    const mb = spec.managedBy;
    if (mb.length > 63)
      errs.push(invalid(path.child('managedBy'), mb, 'must be no more than 63 characters'));
  }
  const tp = path.child('template');
  errs.push(...validatePodTemplateSpec(spec.template, tp));
  const rp = spec.template.spec?.restartPolicy ?? '';
  const rpPath = tp.child('spec', 'restartPolicy');
  if (rp === 'Always' || rp === '') {
    errs.push(required(rpPath, 'valid values: "OnFailure", "Never"'));
  } else if (rp !== 'OnFailure' && rp !== 'Never') {
    errs.push(notSupported(rpPath, rp, ['OnFailure', 'Never']));
  } else if (spec.podFailurePolicy !== undefined && rp !== 'Never') {
    errs.push(invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

function validateJobSpec(spec: JobSpec, path: FieldPath): FieldError[] {
  const errs = validateJobSpecCommon(spec, path);
  if (spec.selector === undefined) errs.push(required(path.child('selector')));
  else errs.push(...validateLabelSelector(spec.selector, path.child('selector')));
  if (spec.selector !== undefined) {
    try {
      const sel = labelSelectorAsSelector(spec.selector);
      const labels = spec.template.metadata?.labels ?? {};
      if (!sel.matches(labels)) {
        errs.push(
          invalid(
            path.child('template', 'metadata', 'labels'),
            labels,
            '`selector` does not match template `labels`',
          ),
        );
      }
    } catch {
      // reported by the selector validation
    }
  }
  return errs;
}

const EMPTY_JOB_SPEC: JobSpec = { template: {} };

function validateIndexedHostname(job: Job): FieldError[] {
  const spec = job.spec;
  if (spec?.completionMode !== 'Indexed' || spec.completions === undefined || spec.completions <= 0)
    return [];
  const name = job.metadata?.name ?? '';
  const host = `${name}-${spec.completions - 1}`;
  if (isDNS1123Label(host).length > 0) {
    return [
      invalid(
        newPath('metadata', 'name'),
        name,
        `will not able to create pod with invalid DNS label: ${host}`,
      ),
    ];
  }
  return [];
}

/** Job create validation (without metadata); run {@link prepareJob} first. */
export function validateJob(job: Job): FieldError[] {
  const errs = validateGeneratedSelector(job, true);
  errs.push(...validateJobSpec(job.spec ?? EMPTY_JOB_SPEC, newPath('spec')));
  errs.push(...validateIndexedHostname(job));
  return errs;
}

/** Job update validation: selector, template (unless suspended and never started) and more are immutable. */
export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const spec = job.spec ?? EMPTY_JOB_SPEC;
  const oldSpec = old.spec ?? EMPTY_JOB_SPEC;
  const path = newPath('spec');
  const oldLabels = oldSpec.template.metadata?.labels ?? {};
  const errs = validateGeneratedSelector(job, CONTROLLER_UID_LABEL in oldLabels);
  errs.push(...validateJobSpec(spec, path));
  // Completions: immutable, except for Indexed jobs changed together with parallelism.
  if (spec.completionMode !== 'Indexed') {
    errs.push(
      ...validateImmutable(spec.completions, oldSpec.completions, path.child('completions')),
    );
  } else if (
    !semanticEqual(spec.completions, oldSpec.completions) &&
    spec.completions !== undefined
  ) {
    if (spec.completions !== spec.parallelism) {
      errs.push(
        invalid(
          path.child('completions'),
          spec.completions,
          'can only be modified in tandem with spec.parallelism',
        ),
      );
    }
  }
  errs.push(...validateImmutable(spec.selector, oldSpec.selector, path.child('selector')));
  const allowScheduling = oldSpec.suspend === true && old.status?.startTime === undefined;
  let oldTemplate = oldSpec.template;
  if (allowScheduling) {
    const t = structuredClone(oldSpec.template);
    const nt = spec.template;
    t.spec ??= { containers: [] };
    const na = nt.spec?.affinity;
    if (na === undefined && t.spec.affinity !== undefined) {
      delete t.spec.affinity.nodeAffinity;
      if (Object.keys(t.spec.affinity).length === 0) delete t.spec.affinity;
    } else if (na !== undefined && t.spec.affinity === undefined) {
      t.spec.affinity = na.nodeAffinity !== undefined ? { nodeAffinity: na.nodeAffinity } : {};
    } else if (na !== undefined && t.spec.affinity !== undefined) {
      if (na.nodeAffinity === undefined) delete t.spec.affinity.nodeAffinity;
      else t.spec.affinity.nodeAffinity = na.nodeAffinity;
    }
    const tspec = t.spec as unknown as Record<string, unknown>;
    const nspec = (nt.spec ?? {}) as unknown as Record<string, unknown>;
    for (const k of ['nodeSelector', 'tolerations', 'schedulingGates']) tspec[k] = nspec[k];
    t.metadata ??= {};
    if (nt.metadata?.annotations === undefined) delete t.metadata.annotations;
    else t.metadata.annotations = nt.metadata.annotations;
    if (nt.metadata?.labels === undefined) delete t.metadata.labels;
    else t.metadata.labels = nt.metadata.labels;
    oldTemplate = t;
  }
  errs.push(...validateImmutable(spec.template, oldTemplate, path.child('template')));
  for (const f of [
    'completionMode',
    'podFailurePolicy',
    'backoffLimitPerIndex',
    'managedBy',
    'successPolicy',
  ] as const) {
    errs.push(...validateImmutable(spec[f], oldSpec[f], path.child(f)));
  }
  return errs;
}

/** Job status update validation: counts are non-negative. */
export function validateJobStatusUpdate(job: Job): FieldError[] {
  const errs: FieldError[] = [];
  const path = newPath('status');
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating'] as const) {
    const v = job.status?.[f];
    if (v !== undefined) errs.push(...validateNonnegative(v, path.child(f)));
  }
  return errs;
}

/** Upstream ValidateJobTemplateSpec (CronJob jobTemplate). */
export function validateJobTemplateSpec(
  spec: JobTemplateSpec | undefined,
  path: FieldPath,
): FieldError[] {
  const js = spec?.spec ?? EMPTY_JOB_SPEC;
  const errs = validateJobSpecCommon(js, path.child('spec'));
  if (js.selector !== undefined) {
    errs.push(
      invalid(path.child('spec', 'selector'), js.selector, '`selector` will be auto-generated'),
    );
  }
  if (js.manualSelector === true) {
    errs.push(notSupported(path.child('spec', 'manualSelector'), true, ['nil', 'false']));
  }
  return errs;
}

function validateSchedule(
  schedule: string,
  allowTZ: boolean,
  timeZone: string | undefined,
  path: FieldPath,
) {
  const errs: FieldError[] = [];
  try {
    parseStandardCron(schedule);
  } catch (e) {
    errs.push(invalid(path, schedule, e instanceof CronParseError ? e.message : String(e)));
  }
  if (allowTZ && schedule.includes('TZ') && timeZone !== undefined) {
    errs.push(
      invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'),
    );
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(
      invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'),
    );
  }
  return errs;
}

function validateTimeZone(tz: string | undefined, path: FieldPath): FieldError[] {
  if (tz === undefined) return [];
  if (tz.length === 0) return [invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (
      part === '.' ||
      part === '..' ||
      part.startsWith('-') ||
      !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)
    ) {
      return [invalid(path, tz, `unknown time zone ${tz}`)];
    }
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') {
    errs.push(
      invalid(
        path,
        tz,
        'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ),
    );
  }
  if (!isKnownTimeZone(tz)) errs.push(invalid(path, tz, `unknown time zone ${tz}`));
  return errs;
}

function validateCronJobSpec(cj: CronJob, old: CronJob | undefined): FieldError[] {
  const spec = cj.spec ?? { schedule: '', jobTemplate: {} };
  const path = newPath('spec');
  const errs: FieldError[] = [];
  if (!spec.schedule) errs.push(required(path.child('schedule')));
  else {
    const allowTZ = old !== undefined && (old.spec?.schedule ?? '').includes('TZ');
    errs.push(...validateSchedule(spec.schedule, allowTZ, spec.timeZone, path.child('schedule')));
  }
  if (spec.startingDeadlineSeconds !== undefined) {
    errs.push(
      ...validateNonnegative(spec.startingDeadlineSeconds, path.child('startingDeadlineSeconds')),
    );
  }
  if (old === undefined || old.spec?.timeZone !== spec.timeZone) {
    errs.push(...validateTimeZone(spec.timeZone, path.child('timeZone')));
  }
  const cp = spec.concurrencyPolicy ?? '';
  if (cp === '') errs.push(required(path.child('concurrencyPolicy')));
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp)) {
    errs.push(notSupported(path.child('concurrencyPolicy'), cp, ['Allow', 'Forbid', 'Replace']));
  }
  errs.push(...validateJobTemplateSpec(spec.jobTemplate, path.child('jobTemplate')));
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const) {
    const v = spec[f];
    if (v !== undefined) errs.push(...validateNonnegative(v, path.child(f)));
  }
  return errs;
}

/** CronJob create validation (the 52-character name limit included). */
export function validateCronJob(cj: CronJob): FieldError[] {
  const errs: FieldError[] = [];
  const name = cj.metadata?.name ?? '';
  if (name.length > 52)
    errs.push(invalid(newPath('metadata', 'name'), name, 'must be no more than 52 characters'));
  errs.push(...validateCronJobSpec(cj, undefined));
  return errs;
}

/** CronJob update validation (no name length check, TZ in schedule tolerated if it was there). */
export function validateCronJobUpdate(cj: CronJob, old: CronJob): FieldError[] {
  return validateCronJobSpec(cj, old);
}

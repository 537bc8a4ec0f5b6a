/**
 * apps/v1 validation, ported from Kubernetes 1.32 pkg/apis/apps/validation/validation.go, plus
 * the selector immutability the apps registry strategies add on update (apps/v1 only).
 */
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  ReplicaSet,
  StatefulSet,
} from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { labelSelectorAsSelector } from '../../labels.ts';
import type { Selector } from '../../labels.ts';
import { forbidden, invalid, newPath, notSupported, required } from '../field-errors.ts';
import type { FieldError, FieldPath } from '../field-errors.ts';
import { validateAnnotations } from '../object-meta.ts';
import { validatePodTemplateSpec } from './pod.ts';
import {
  isSet,
  isValidPercent,
  semanticEqual,
  validateImmutable,
  validateLabelMap,
  validateLabelSelector,
  validateNonnegative,
} from './util.ts';

/** labelSelectorAsSelector, or undefined where upstream's conversion returns an error. */
function toSelector(ls: LabelSelector | undefined): Selector | undefined {
  try {
    return labelSelectorAsSelector(ls);
  } catch {
    return undefined;
  }
}

function validateSelector(
  selector: LabelSelector | undefined,
  kind: string,
  path: FieldPath,
): FieldError[] {
  if (!isSet(selector) || selector === undefined) return [required(path)];
  const errs = validateLabelSelector(selector, path);
  const n =
    Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length;
  if (n === 0) errs.push(invalid(path, selector, `empty selector is invalid for ${kind}`));
  return errs;
}

/** Upstream ValidatePodTemplateSpecForReplicaSet (also used for Deployments). */
function validateTemplateForReplicaSet(
  template: PodTemplateSpec | undefined,
  selector: Selector,
  kind: string,
  path: FieldPath,
): FieldError[] {
  if (template === undefined) return [required(path)];
  const errs: FieldError[] = [];
  const labels = template.metadata?.labels ?? {};
  if (!selector.empty() && !selector.matches(labels)) {
    errs.push(
      invalid(
        path.child('metadata', 'labels'),
        labels,
        '`selector` does not match template `labels`',
      ),
    );
  }
  errs.push(...validatePodTemplateSpec(template, path));
  const rp = template.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(notSupported(path.child('spec', 'restartPolicy'), rp, ['Always']));
  if (template.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(
      forbidden(
        path.child('spec', 'activeDeadlineSeconds'),
        `activeDeadlineSeconds in ${kind} is not Supported`,
      ),
    );
  }
  return errs;
}

function percentValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return undefined;
  return Number(v.slice(0, -1));
}

function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) return Number(v);
  return 0;
}

/** Upstream ValidatePositiveIntOrPercent. */
function validatePositiveIntOrPercent(v: unknown, path: FieldPath): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(path, v, m));
  if (typeof v === 'number') return validateNonnegative(v, path);
  return [];
}

function isNotMoreThan100Percent(v: unknown, path: FieldPath): FieldError[] {
  const p = percentValue(v);
  return p === undefined || p <= 100 ? [] : [invalid(path, v, 'must not be greater than 100%')];
}

function validateDeploymentStrategy(
  spec: NonNullable<Deployment['spec']>,
  path: FieldPath,
): FieldError[] {
  const strategy = spec.strategy ?? {};
  const errs: FieldError[] = [];
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate !== undefined) {
        errs.push(
          forbidden(
            path.child('rollingUpdate'),
            "may not be specified when strategy `type` is 'Recreate'",
          ),
        );
      }
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (ru === undefined) {
        errs.push(
          required(path.child('rollingUpdate'), 'this should be defaulted and never be nil'),
        );
        break;
      }
      const p = path.child('rollingUpdate');
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, p.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, p.child('maxSurge')));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(
          invalid(
            p.child('maxUnavailable'),
            ru.maxUnavailable ?? 0,
            'may not be 0 when `maxSurge` is 0',
          ),
        );
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, p.child('maxUnavailable')));
      break;
    }
    default:
      errs.push(notSupported(path, strategy, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

/** Upstream ValidateDeploymentSpec. */
function validateDeploymentSpec(d: Deployment): FieldError[] {
  const spec = d.spec ?? { selector: undefined as unknown as LabelSelector, template: {} };
  const path = newPath('spec');
  const errs = validateNonnegative(spec.replicas ?? 0, path.child('replicas'));
  errs.push(...validateSelector(spec.selector, 'deployment', path.child('selector')));
  const sel = toSelector(spec.selector);
  if (sel === undefined)
    errs.push(invalid(path.child('selector'), spec.selector, 'invalid label selector'));
  else
    errs.push(
      ...validateTemplateForReplicaSet(spec.template, sel, 'ReplicaSet', path.child('template')),
    );
  errs.push(...validateDeploymentStrategy(spec, path.child('strategy')));
  errs.push(...validateNonnegative(spec.minReadySeconds ?? 0, path.child('minReadySeconds')));
  if (spec.revisionHistoryLimit !== undefined) {
    errs.push(
      ...validateNonnegative(spec.revisionHistoryLimit, path.child('revisionHistoryLimit')),
    );
  }
  if (spec.progressDeadlineSeconds !== undefined) {
    errs.push(
      ...validateNonnegative(spec.progressDeadlineSeconds, path.child('progressDeadlineSeconds')),
    );
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(
        invalid(
          path.child('progressDeadlineSeconds'),
          spec.progressDeadlineSeconds,
          'must be greater than minReadySeconds',
        ),
      );
    }
  }
  return errs;
}

/** Deployment create validation (without metadata). */
export function validateDeployment(d: Deployment): FieldError[] {
  return validateDeploymentSpec(d);
}

/** Deployment update validation: the spec again, and spec.selector is immutable in apps/v1. */
export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  const errs = validateDeploymentSpec(d);
  errs.push(
    ...validateImmutable(d.spec?.selector, old.spec?.selector, newPath('spec', 'selector')),
  );
  return errs;
}

function validateReplicaSetSpec(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec ?? { selector: undefined as unknown as LabelSelector };
  const path = newPath('spec');
  const errs = validateNonnegative(spec.replicas ?? 0, path.child('replicas'));
  errs.push(...validateNonnegative(spec.minReadySeconds ?? 0, path.child('minReadySeconds')));
  // Upstream's message says "deployment" for ReplicaSets too.
  errs.push(...validateSelector(spec.selector, 'deployment', path.child('selector')));
  const sel = toSelector(spec.selector);
  if (sel === undefined)
    errs.push(invalid(path.child('selector'), spec.selector, 'invalid label selector'));
  else
    errs.push(
      ...validateTemplateForReplicaSet(spec.template, sel, 'ReplicaSet', path.child('template')),
    );
  return errs;
}

/** ReplicaSet create validation (without metadata). */
export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  return validateReplicaSetSpec(rs);
}

/** ReplicaSet update validation: spec.selector is immutable in apps/v1. */
export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  const errs = validateReplicaSetSpec(rs);
  errs.push(
    ...validateImmutable(rs.spec?.selector, old.spec?.selector, newPath('spec', 'selector')),
  );
  return errs;
}

function validateStatefulSetSpec(ss: StatefulSet): FieldError[] {
  const spec = ss.spec ?? {
    selector: undefined as unknown as LabelSelector,
    template: {},
    serviceName: '',
  };
  const path = newPath('spec');
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy ?? '';
  if (pmp === '') errs.push(required(path.child('podManagementPolicy')));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(
      invalid(path.child('podManagementPolicy'), pmp, "must be 'OrderedReady' or 'Parallel'"),
    );
  }
  const us = spec.updateStrategy ?? {};
  switch (us.type ?? '') {
    case '':
      errs.push(required(path.child('updateStrategy')));
      break;
    case 'OnDelete':
      if (us.rollingUpdate !== undefined) {
        errs.push(
          invalid(
            path.child('updateStrategy', 'rollingUpdate'),
            us.rollingUpdate,
            "only allowed for updateStrategy 'RollingUpdate'",
          ),
        );
      }
      break;
    case 'RollingUpdate': {
      const ru = us.rollingUpdate;
      if (ru !== undefined) {
        const p = path.child('updateStrategy', 'rollingUpdate');
        errs.push(...validateNonnegative(ru.partition ?? 0, p.child('partition')));
        if (ru.maxUnavailable !== undefined) {
          const mp = p.child('maxUnavailable');
          errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, mp));
          if (intOrPercentValue(ru.maxUnavailable) === 0)
            errs.push(invalid(mp, ru.maxUnavailable, 'cannot be 0'));
          errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, mp));
        }
      }
      break;
    }
    default:
      errs.push(invalid(path.child('updateStrategy'), us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const policy = spec.persistentVolumeClaimRetentionPolicy;
  if (policy) {
    for (const f of ['whenDeleted', 'whenScaled'] as const) {
      const v = policy[f] ?? '';
      if (v !== 'Retain' && v !== 'Delete') {
        errs.push(
          notSupported(path.child('persistentVolumeClaimRetentionPolicy', f), v, [
            'Retain',
            'Delete',
          ]),
        );
      }
    }
  }
  errs.push(...validateNonnegative(spec.replicas ?? 0, path.child('replicas')));
  errs.push(...validateNonnegative(spec.minReadySeconds ?? 0, path.child('minReadySeconds')));
  if (spec.ordinals)
    errs.push(...validateNonnegative(spec.ordinals.start ?? 0, path.child('ordinals.start')));
  errs.push(...validateSelector(spec.selector, 'statefulset', path.child('selector')));
  const sel = toSelector(spec.selector);
  const tp = path.child('template');
  if (sel === undefined) errs.push(invalid(path.child('selector'), spec.selector, ''));
  else {
    const labels = spec.template.metadata?.labels ?? {};
    if (!sel.empty() && !sel.matches(labels)) {
      errs.push(
        invalid(
          tp.child('metadata', 'labels'),
          labels,
          '`selector` does not match template `labels`',
        ),
      );
    }
    errs.push(...validateLabelMap(labels, tp.child('labels')));
    errs.push(...validateAnnotations(spec.template.metadata?.annotations, tp.child('annotations')));
  }
  // Upstream does not validate a StatefulSet's pod spec (its volumes come partly from
  // volumeClaimTemplates); the pods it creates are validated instead.
  const rp = spec.template.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(notSupported(tp.child('spec', 'restartPolicy'), rp, ['Always']));
  if (spec.template.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(
      forbidden(
        tp.child('spec', 'activeDeadlineSeconds'),
        'activeDeadlineSeconds in StatefulSet is not Supported',
      ),
    );
  }
  return errs;
}

/** StatefulSet create validation (without metadata). */
export function validateStatefulSet(ss: StatefulSet): FieldError[] {
  return validateStatefulSetSpec(ss);
}

/** StatefulSet update validation: only some spec fields may change. */
export function validateStatefulSetUpdate(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const errs = validateStatefulSetSpec(ss);
  const clone = structuredClone(ss.spec ?? {}) as Record<string, unknown>;
  const oldSpec = (old.spec ?? {}) as unknown as Record<string, unknown>;
  for (const f of [
    'replicas',
    'template',
    'updateStrategy',
    'minReadySeconds',
    'ordinals',
    'persistentVolumeClaimRetentionPolicy',
  ]) {
    clone[f] = oldSpec[f];
  }
  if (!semanticEqual(clone, oldSpec)) {
    errs.push(
      forbidden(
        newPath('spec'),
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

function validateDaemonSetSpec(ds: DaemonSet): FieldError[] {
  const spec = ds.spec ?? { selector: undefined as unknown as LabelSelector, template: {} };
  const path = newPath('spec');
  const errs = validateLabelSelector(spec.selector, path.child('selector'));
  const sel = toSelector(spec.selector);
  const labels = spec.template.metadata?.labels ?? {};
  if (sel !== undefined && !sel.matches(labels)) {
    errs.push(
      invalid(
        path.child('template', 'metadata', 'labels'),
        labels,
        '`selector` does not match template `labels`',
      ),
    );
  }
  if (isSet(spec.selector)) {
    const n =
      Object.keys(spec.selector.matchLabels ?? {}).length +
      (spec.selector.matchExpressions ?? []).length;
    if (n === 0)
      errs.push(
        invalid(path.child('selector'), spec.selector, 'empty selector is invalid for daemonset'),
      );
  }
  const tp = path.child('template');
  errs.push(...validatePodTemplateSpec(spec.template, tp));
  const rp = spec.template.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(notSupported(tp.child('spec', 'restartPolicy'), rp, ['Always']));
  if (spec.template.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(
      forbidden(
        tp.child('spec', 'activeDeadlineSeconds'),
        'activeDeadlineSeconds in DaemonSet is not Supported',
      ),
    );
  }
  errs.push(...validateNonnegative(spec.minReadySeconds ?? 0, path.child('minReadySeconds')));
  const us = spec.updateStrategy ?? {};
  const usPath = path.child('updateStrategy');
  switch (us.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = us.rollingUpdate;
      if (ru === undefined) {
        errs.push(required(usPath.child('rollingUpdate')));
        break;
      }
      const p = usPath.child('rollingUpdate');
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, p.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, p.child('maxSurge')));
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, p.child('maxUnavailable')));
      errs.push(...isNotMoreThan100Percent(ru.maxSurge, p.child('maxSurge')));
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(
          invalid(
            p.child('maxSurge'),
            ru.maxSurge,
            'may not be set when maxUnavailable is non-zero',
          ),
        );
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(required(p.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      }
      break;
    }
    default:
      errs.push(notSupported(usPath, us, ['RollingUpdate', 'OnDelete']));
  }
  if (spec.revisionHistoryLimit !== undefined) {
    errs.push(
      ...validateNonnegative(spec.revisionHistoryLimit, path.child('revisionHistoryLimit')),
    );
  }
  return errs;
}

/** DaemonSet create validation (without metadata). */
export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  return validateDaemonSetSpec(ds);
}

/** DaemonSet update validation: spec.selector is immutable in apps/v1. */
export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  const errs = validateDaemonSetSpec(ds);
  errs.push(
    ...validateImmutable(ds.spec?.selector, old.spec?.selector, newPath('spec', 'selector')),
  );
  return errs;
}

/** ControllerRevision create validation (without metadata). */
export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  if (!isSet(cr.data)) errs.push(required(newPath('data'), 'data is mandatory'));
  errs.push(...validateNonnegative(cr.revision, newPath('revision')));
  return errs;
}

/** ControllerRevision update validation: data is immutable. */
export function validateControllerRevisionUpdate(
  cr: ControllerRevision,
  old: ControllerRevision,
): FieldError[] {
  const errs = validateControllerRevision(cr);
  errs.push(...validateImmutable(cr.data, old.data, newPath('data')));
  return errs;
}

/** Status validation shared by the workload kinds: counts are non-negative. */
export function validateWorkloadStatus(status: Record<string, unknown> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const path = newPath('status');
  for (const [k, v] of Object.entries(status ?? {})) {
    if (typeof v === 'number') errs.push(...validateNonnegative(v, path.child(k)));
  }
  const replicas = typeof status?.replicas === 'number' ? status.replicas : undefined;
  if (replicas !== undefined) {
    for (const f of [
      'readyReplicas',
      'availableReplicas',
      'updatedReplicas',
      'currentReplicas',
      'fullyLabeledReplicas',
    ]) {
      const v = status?.[f];
      if (typeof v === 'number' && v > replicas) {
        errs.push(invalid(path.child(f), v, 'cannot be greater than status.replicas'));
      }
    }
  }
  return errs;
}

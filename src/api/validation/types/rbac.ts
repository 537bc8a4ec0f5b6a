/**
 * rbac.authorization.k8s.io/v1 validation, ported from Kubernetes 1.32
 * pkg/apis/rbac/validation/validation.go.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import { labelSelectorAsSelector } from '../../labels.ts';
import { invalid, newPath, notSupported, required } from '../field-errors.ts';
import type { FieldError, FieldPath } from '../field-errors.ts';
import { nameIsDNSSubdomain, validatePathSegmentName } from '../names.ts';
import { asArr, semanticEqual, str, validateLabelSelector } from './util.ts';

const GROUP = 'rbac.authorization.k8s.io';

/** Upstream ValidatePolicyRule. */
export function validatePolicyRule(
  rule: PolicyRule,
  namespaced: boolean,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (asArr(rule.verbs).length === 0) {
    errs.push(required(path.child('verbs'), 'verbs must contain at least one value'));
  }
  const nonResource = rule.nonResourceURLs ?? [];
  if (nonResource.length > 0) {
    if (namespaced) {
      errs.push(
        invalid(
          path.child('nonResourceURLs'),
          nonResource,
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    }
    if (
      (rule.apiGroups ?? []).length > 0 ||
      (rule.resources ?? []).length > 0 ||
      (rule.resourceNames ?? []).length > 0
    ) {
      errs.push(
        invalid(
          path.child('nonResourceURLs'),
          nonResource,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  }
  if ((rule.apiGroups ?? []).length === 0) {
    errs.push(
      required(path.child('apiGroups'), 'resource rules must supply at least one api group'),
    );
  }
  if ((rule.resources ?? []).length === 0) {
    errs.push(
      required(path.child('resources'), 'resource rules must supply at least one resource'),
    );
  }
  return errs;
}

/** Upstream ValidateRole (without metadata). */
export function validateRole(role: Role): FieldError[] {
  return (role.rules ?? []).flatMap((r, i) =>
    validatePolicyRule(r, true, newPath('rules').index(i)),
  );
}

/** Upstream ValidateClusterRole (without metadata). */
export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = (role.rules ?? []).flatMap((r, i) =>
    validatePolicyRule(r, false, newPath('rules').index(i)),
  );
  const agg = role.aggregationRule;
  if (agg) {
    const selectors = agg.clusterRoleSelectors ?? [];
    const p = newPath('aggregationRule', 'clusterRoleSelectors');
    if (selectors.length === 0) {
      errs.push(
        required(p, 'at least one clusterRoleSelector required if aggregationRule is non-nil'),
      );
    }
    selectors.forEach((s, i) => {
      errs.push(...validateLabelSelector(s, p.index(i)));
      try {
        labelSelectorAsSelector(s);
      } catch {
        errs.push(invalid(p.index(i), s, 'invalid label selector.'));
      }
    });
  }
  return errs;
}

/** Upstream ValidateRoleBindingSubject. */
export function validateSubject(
  subject: Subject,
  namespaced: boolean,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(subject.name);
  if (name === '') errs.push(required(path.child('name')));
  const apiGroup = subject.apiGroup ?? '';
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name.length > 0)
        for (const m of nameIsDNSSubdomain(name, false))
          errs.push(invalid(path.child('name'), name, m));
      if (apiGroup.length > 0) errs.push(notSupported(path.child('apiGroup'), apiGroup, ['']));
      if (!namespaced && (subject.namespace ?? '') === '')
        errs.push(required(path.child('namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== GROUP) errs.push(notSupported(path.child('apiGroup'), apiGroup, [GROUP]));
      break;
    default:
      errs.push(
        notSupported(path.child('kind'), subject.kind, ['ServiceAccount', 'User', 'Group']),
      );
  }
  return errs;
}

function validateRoleRef(
  ref: RoleBinding['roleRef'] | undefined,
  kinds: readonly string[],
): FieldError[] {
  const errs: FieldError[] = [];
  const apiGroup = ref?.apiGroup ?? '';
  if (apiGroup !== GROUP)
    errs.push(notSupported(newPath('roleRef', 'apiGroup'), apiGroup, [GROUP]));
  const kind = ref?.kind ?? '';
  if (!kinds.includes(kind)) errs.push(notSupported(newPath('roleRef', 'kind'), kind, kinds));
  const name = ref?.name ?? '';
  if (name === '') errs.push(required(newPath('roleRef', 'name')));
  else
    for (const m of validatePathSegmentName(name, false))
      errs.push(invalid(newPath('roleRef', 'name'), name, m));
  return errs;
}

/** Upstream ValidateRoleBinding (without metadata). */
export function validateRoleBinding(rb: RoleBinding): FieldError[] {
  const errs = validateRoleRef(rb.roleRef, ['Role', 'ClusterRole']);
  (rb.subjects ?? []).forEach((s, i) =>
    errs.push(...validateSubject(s, true, newPath('subjects').index(i))),
  );
  return errs;
}

/** Upstream ValidateClusterRoleBinding (without metadata). */
export function validateClusterRoleBinding(crb: ClusterRoleBinding): FieldError[] {
  const errs = validateRoleRef(crb.roleRef, ['ClusterRole']);
  (crb.subjects ?? []).forEach((s, i) =>
    errs.push(...validateSubject(s, false, newPath('subjects').index(i))),
  );
  return errs;
}

/** Binding update: the roleRef may not change. */
export function validateRoleRefUpdate(
  ref: RoleBinding['roleRef'] | undefined,
  oldRef: RoleBinding['roleRef'] | undefined,
): FieldError[] {
  return semanticEqual(ref, oldRef)
    ? []
    : [invalid(newPath('roleRef'), ref ?? null, 'cannot change roleRef')];
}

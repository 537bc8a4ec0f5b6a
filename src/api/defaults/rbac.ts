// rbac.authorization.k8s.io/v1 defaulting: pkg/apis/rbac/v1/defaults.go (1.32).
import { defaultEmptyString, ensureChild, isUnset, items } from './walk.ts';
import type { JsonObject } from './walk.ts';

/** The RBAC API group, the default of roleRef.apiGroup and of User/Group subjects. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** SetDefaults_Subject: apiGroup by kind when empty ("" for ServiceAccount). */
function setSubjectDefaults(subject: JsonObject): void {
  const apiGroup = subject['apiGroup'];
  if (!isUnset(apiGroup) && apiGroup !== '') return;
  switch (subject['kind']) {
    case 'ServiceAccount':
      subject['apiGroup'] = '';
      break;
    case 'User':
    case 'Group':
      subject['apiGroup'] = RBAC_GROUP;
      break;
    default:
      break;
  }
}

/**
 * SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding plus the subjects: roleRef.apiGroup
 * defaults to the RBAC group, subjects get their apiGroup by kind.
 */
export function setRoleBindingDefaults(obj: JsonObject): void {
  const roleRef = ensureChild(obj, 'roleRef');
  if (roleRef !== undefined) defaultEmptyString(roleRef, 'apiGroup', RBAC_GROUP);
  for (const subject of items(obj, 'subjects')) setSubjectDefaults(subject);
}

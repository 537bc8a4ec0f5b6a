// apps/v1 defaulting: pkg/apis/apps/v1/defaults.go and zz_generated.defaults.go (1.32). Every
// workload's pod template gets the core PodSpec defaults; StatefulSet volumeClaimTemplates get
// the full PersistentVolumeClaim defaults (including status.phase Pending).
import { setPersistentVolumeClaimDefaults, setPodTemplateSpecDefaults } from './core.ts';
import {
  child,
  defaultEmptyString,
  defaultUnset,
  ensureChild,
  isEmptyList,
  isUnset,
  items,
} from './walk.ts';
import type { JsonObject } from './walk.ts';

/** The default revisionHistoryLimit of Deployments, StatefulSets and DaemonSets. */
const REVISION_HISTORY_LIMIT = 10;

function templateDefaults(spec: JsonObject): void {
  const template = ensureChild(spec, 'template');
  if (template !== undefined) setPodTemplateSpecDefaults(template);
}

/**
 * SetDefaults_Deployment: replicas 1, strategy RollingUpdate with maxUnavailable and maxSurge
 * 25% (rollingUpdate only for the RollingUpdate type), revisionHistoryLimit 10,
 * progressDeadlineSeconds 600; then the pod template defaults.
 */
export function setDeploymentDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  defaultUnset(spec, 'replicas', 1);
  const strategy = ensureChild(spec, 'strategy');
  if (strategy !== undefined) {
    defaultEmptyString(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const rollingUpdate = ensureChild(strategy, 'rollingUpdate');
      if (rollingUpdate !== undefined) {
        defaultUnset(rollingUpdate, 'maxUnavailable', '25%');
        defaultUnset(rollingUpdate, 'maxSurge', '25%');
      }
    }
  }
  defaultUnset(spec, 'revisionHistoryLimit', REVISION_HISTORY_LIMIT);
  defaultUnset(spec, 'progressDeadlineSeconds', 600);
  templateDefaults(spec);
}

/**
 * SetDefaults_DaemonSet: updateStrategy RollingUpdate with maxUnavailable 1 and maxSurge 0,
 * revisionHistoryLimit 10; then the pod template defaults.
 */
export function setDaemonSetDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  const strategy = ensureChild(spec, 'updateStrategy');
  if (strategy !== undefined) {
    defaultEmptyString(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const rollingUpdate = ensureChild(strategy, 'rollingUpdate');
      if (rollingUpdate !== undefined) {
        defaultUnset(rollingUpdate, 'maxUnavailable', 1);
        defaultUnset(rollingUpdate, 'maxSurge', 0);
      }
    }
  }
  defaultUnset(spec, 'revisionHistoryLimit', REVISION_HISTORY_LIMIT);
  templateDefaults(spec);
}

/**
 * SetDefaults_StatefulSet: podManagementPolicy OrderedReady; updateStrategy RollingUpdate (a
 * rollingUpdate block is added only when the type itself was defaulted) with partition 0;
 * persistentVolumeClaimRetentionPolicy Retain/Retain (StatefulSetAutoDeletePVC is on in 1.32);
 * replicas 1; revisionHistoryLimit 10; then the template and volumeClaimTemplates defaults.
 */
export function setStatefulSetDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  defaultEmptyString(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensureChild(spec, 'updateStrategy');
  if (strategy !== undefined) {
    if (isUnset(strategy['type']) || strategy['type'] === '') {
      strategy['type'] = 'RollingUpdate';
      defaultUnset(strategy, 'rollingUpdate', {});
    }
    const rollingUpdate = child(strategy, 'rollingUpdate');
    if (strategy['type'] === 'RollingUpdate' && rollingUpdate !== undefined) {
      defaultUnset(rollingUpdate, 'partition', 0);
    }
  }
  const retention = ensureChild(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention !== undefined) {
    defaultEmptyString(retention, 'whenDeleted', 'Retain');
    defaultEmptyString(retention, 'whenScaled', 'Retain');
  }
  defaultUnset(spec, 'replicas', 1);
  defaultUnset(spec, 'revisionHistoryLimit', REVISION_HISTORY_LIMIT);
  templateDefaults(spec);
  if (!isEmptyList(spec['volumeClaimTemplates'])) {
    for (const claim of items(spec, 'volumeClaimTemplates'))
      setPersistentVolumeClaimDefaults(claim);
  }
}

/** SetDefaults_ReplicaSet: replicas 1; then the pod template defaults. */
export function setReplicaSetDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  defaultUnset(spec, 'replicas', 1);
  templateDefaults(spec);
}

/**
 * StatefulSet identity, storage and revision helpers (upstream
 * pkg/controller/statefulset/stateful_set_utils.go): pods are named `<set>-<ordinal>`, carry the
 * pod-name and pod-index labels, hostname = name and subdomain = serviceName; each
 * volumeClaimTemplate becomes a claim `<template>-<set>-<ordinal>` mounted under the template's
 * name; the revision label says which ControllerRevision a pod was made from.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type {
  PersistentVolumeClaim,
  Pod,
  PodTemplateSpec,
  Volume,
} from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../client/index.ts';
import {
  getPodFromTemplate,
  isPodAvailable,
  isPodReady,
  newControllerRef,
} from '../shared/index.ts';
import type { ControllerKind } from '../shared/index.ts';
import { newControllerRevision, templateFromRevision, templatePatch } from '../history/index.ts';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';

/** apps/v1 StatefulSet, the kind of controller references. */
export const STATEFUL_SET_KIND: ControllerKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
/** upstream apps.StatefulSetPodNameLabel. */
export const STATEFUL_SET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** upstream apps.PodIndexLabel (PodIndexLabel feature, on by default). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** upstream apps.StatefulSetRevisionLabel (= ControllerRevisionHashLabelKey). */
export const STATEFUL_SET_REVISION_LABEL = 'controller-revision-hash';

const POD_NAME_RE = /^(.*)-([0-9]+)$/;

/** The parent set name and ordinal of a pod name; ordinal -1 when it does not parse. */
export function getParentNameAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = POD_NAME_RE.exec(pod.metadata?.name ?? '');
  if (m === null) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  // Go parses into int32: larger values are not ordinals.
  if (!Number.isSafeInteger(ordinal) || ordinal > 2147483647) return { parent: '', ordinal: -1 };
  return { parent: m[1] ?? '', ordinal };
}

/** The ordinal of a pod, -1 when its name has none (upstream getOrdinal). */
export function getOrdinal(pod: Pod): number {
  return getParentNameAndOrdinal(pod).ordinal;
}

/** `<set>-<ordinal>` (upstream getPodName). */
export function getPodName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name ?? ''}-${ordinal}`;
}

/** True when the pod's name says it belongs to `set` (upstream isMemberOf). */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return getParentNameAndOrdinal(pod).parent === (set.metadata?.name ?? '');
}

/** spec.ordinals.start, or 0 (upstream getStartOrdinal; StatefulSetStartOrdinal is GA). */
export function getStartOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** The desired replicas (default 1). */
export function getReplicas(set: StatefulSet): number {
  return set.spec?.replicas ?? 1;
}

/** The last ordinal in range (upstream getEndOrdinal). */
export function getEndOrdinal(set: StatefulSet): number {
  return getStartOrdinal(set) + getReplicas(set) - 1;
}

/** True when the pod's ordinal is within [start, end] (upstream podInOrdinalRange). */
export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const o = getOrdinal(pod);
  return o >= getStartOrdinal(set) && o <= getEndOrdinal(set);
}

/** `<template>-<set>-<ordinal>` (upstream getPersistentVolumeClaimName). */
export function getPersistentVolumeClaimName(
  set: StatefulSet,
  claim: PersistentVolumeClaim,
  ordinal: number,
): string {
  return `${claim.metadata?.name ?? ''}-${set.metadata?.name ?? ''}-${ordinal}`;
}

/**
 * The claims of the pod, by template name, in template order (upstream
 * getPersistentVolumeClaims): the template with the pod's claim name, the set's namespace, and
 * the template's labels plus the selector's matchLabels. The caller owns the result.
 */
export function getPersistentVolumeClaims(
  set: StatefulSet,
  pod: Pod,
): Map<string, PersistentVolumeClaim> {
  const ordinal = getOrdinal(pod);
  const claims = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const { status: _status, ...rest } = t;
    const claim: PersistentVolumeClaim = structuredClone(rest);
    const meta = (claim.metadata ??= {});
    meta.name = getPersistentVolumeClaimName(set, t, ordinal);
    meta.namespace = set.metadata?.namespace ?? '';
    meta.labels = { ...meta.labels, ...set.spec?.selector.matchLabels };
    claims.set(t.metadata?.name ?? '', claim);
  }
  return claims;
}

/** Points the pod's volumes at its claims (upstream updateStorage); changes `pod`. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = getPersistentVolumeClaims(set, pod);
  const spec = (pod.spec ??= { containers: [] });
  const volumes: Volume[] = [];
  for (const [name, claim] of claims) {
    volumes.push({
      name,
      persistentVolumeClaim: { claimName: claim.metadata?.name ?? '' },
    });
  }
  for (const v of spec.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  if (volumes.length > 0) spec.volumes = volumes;
}

/** True when every template's volume points at the pod's claim (upstream storageMatches). */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const v = volumes.get(t.metadata?.name ?? '');
    if (v?.persistentVolumeClaim?.claimName !== getPersistentVolumeClaimName(set, t, ordinal)) {
      return false;
    }
  }
  return true;
}

/** Sets name, namespace and identity labels from the ordinal (upstream updateIdentity). */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = getOrdinal(pod);
  const meta = (pod.metadata ??= {});
  meta.name = getPodName(set, ordinal);
  meta.namespace = set.metadata?.namespace ?? '';
  meta.labels = {
    ...meta.labels,
    [STATEFUL_SET_POD_NAME_LABEL]: meta.name,
    [POD_INDEX_LABEL]: String(ordinal),
  };
}

/** True when the pod has the identity of its ordinal in `set` (upstream identityMatches). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = getParentNameAndOrdinal(pod);
  const labels = pod.metadata?.labels;
  return (
    ordinal >= 0 &&
    parent === (set.metadata?.name ?? '') &&
    pod.metadata?.name === getPodName(set, ordinal) &&
    (pod.metadata.namespace ?? '') === (set.metadata?.namespace ?? '') &&
    labels?.[STATEFUL_SET_POD_NAME_LABEL] === pod.metadata.name &&
    labels[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** The pod of `ordinal` for `set` (upstream newStatefulSetPod). The caller owns it. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const pod = getPodFromTemplate(
    set.spec?.template ?? {},
    set,
    newControllerRef(set, STATEFUL_SET_KIND),
  );
  const meta = (pod.metadata ??= {});
  delete meta.generateName;
  meta.name = getPodName(set, ordinal);
  updateIdentity(set, pod);
  const spec = (pod.spec ??= { containers: [] });
  spec.hostname = meta.name;
  if ((set.spec?.serviceName ?? '') !== '') spec.subdomain = set.spec?.serviceName;
  updateStorage(set, pod);
  return pod;
}

/** The pod's revision label, or '' (upstream getPodRevision). */
export function getPodRevision(pod: Pod): string {
  return pod.metadata?.labels?.[STATEFUL_SET_REVISION_LABEL] ?? '';
}

/** Sets the pod's revision label; changes `pod`. */
export function setPodRevision(pod: Pod, revision: string): void {
  const meta = (pod.metadata ??= {});
  meta.labels = { ...meta.labels, [STATEFUL_SET_REVISION_LABEL]: revision };
}

/**
 * The pod of `ordinal` at the right revision (upstream newVersionedStatefulSetPod): the
 * current revision below the partition (or below currentReplicas without a rollingUpdate
 * block) under RollingUpdate, else the update revision. Note upstream's operator precedence:
 * the partition branch applies whatever the strategy type.
 */
export function newVersionedStatefulSetPod(
  currentSet: StatefulSet,
  updateSet: StatefulSet,
  currentRevision: string,
  updateRevision: string,
  ordinal: number,
): Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const start = getStartOrdinal(currentSet);
  const ru = strategy?.rollingUpdate;
  const useCurrent =
    (rolling && ru === undefined && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) ||
    (ru !== undefined && ordinal < start + (ru.partition ?? 0));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
  setPodRevision(pod, useCurrent ? currentRevision : updateRevision);
  return pod;
}

/** A set's pod phase predicates (upstream stateful_set_utils.go). */
export const isCreated = (p: Pod): boolean => (p.status?.phase ?? '') !== '';
export const isPending = (p: Pod): boolean => p.status?.phase === 'Pending';
export const isFailed = (p: Pod): boolean => p.status?.phase === 'Failed';
export const isSucceeded = (p: Pod): boolean => p.status?.phase === 'Succeeded';
export const isTerminating = (p: Pod): boolean => p.metadata?.deletionTimestamp !== undefined;
export const isRunningAndReady = (p: Pod): boolean =>
  p.status?.phase === 'Running' && isPodReady(p);
export const isRunningAndAvailable = (p: Pod, minReadySeconds: number, now: number): boolean =>
  p.status?.phase === 'Running' && isPodAvailable(p, minReadySeconds, now);
export const isHealthy = (p: Pod): boolean => isRunningAndReady(p) && !isTerminating(p);

/** True for podManagementPolicy Parallel (upstream allowsBurst). */
export function allowsBurst(set: StatefulSet): boolean {
  return set.spec?.podManagementPolicy === 'Parallel';
}

/** The strategic merge patch a revision of `set` stores (upstream getPatch). */
export function getPatch(set: StatefulSet): Record<string, unknown> {
  return templatePatch(set.spec?.template);
}

/**
 * A revision of `set` numbered `revision` (upstream newRevision): the template patch, the
 * template's labels and the set's annotations.
 */
export function newRevision(
  set: StatefulSet,
  revision: number,
  collisionCount: number,
): ControllerRevision {
  const cr = newControllerRevision(
    set,
    STATEFUL_SET_KIND,
    set.spec?.template.metadata?.labels,
    getPatch(set),
    revision,
    collisionCount,
  );
  (cr.metadata ??= {}).annotations = { ...set.metadata?.annotations };
  return cr;
}

/** `set` with the template of `revision` (upstream ApplyRevision). The caller owns it. */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const clone = structuredClone(set);
  const spec = (clone.spec ??= { selector: {}, serviceName: '', template: {} });
  spec.template = templateFromRevision(revision) as PodTemplateSpec;
  return clone;
}

/** The retention policy, Retain/Retain by default. */
export function getRetentionPolicy(set: StatefulSet): { whenDeleted: string; whenScaled: string } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted ?? 'Retain', whenScaled: p?.whenScaled ?? 'Retain' };
}

/** True when `target` has an ownerReference with `owner`'s uid. */
export function hasOwnerRef(target: KubeObject, owner: KubeObject): boolean {
  const uid = owner.metadata?.uid;
  return (target.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
}

/** True when `target` refers to an owner of `owner`'s name with another uid. */
export function hasStaleOwnerRef(target: KubeObject, owner: KubeObject): boolean {
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  return (target.metadata?.ownerReferences ?? []).some((r) => r.name === name && r.uid !== uid);
}

/** True when the claim's owners agree with the retention policy (upstream claimOwnerMatchesSetAndPod). */
export function claimOwnerMatchesSetAndPod(
  claim: PersistentVolumeClaim,
  set: StatefulSet,
  pod: Pod,
): boolean {
  const want = wantedClaimOwners(set, pod);
  return (
    (want.set === undefined || hasOwnerRef(claim, set) === want.set) &&
    (want.pod === undefined || hasOwnerRef(claim, pod) === want.pod)
  );
}

/** Which owners the policy wants on a claim (undefined: either way). */
function wantedClaimOwners(set: StatefulSet, pod: Pod): { set?: boolean; pod?: boolean } {
  const { whenDeleted, whenScaled } = getRetentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (whenScaled === 'Delete' && whenDeleted === 'Delete') {
    return scaledDown ? { set: false, pod: true } : { set: true, pod: false };
  }
  if (whenScaled === 'Delete') return { set: false, pod: scaledDown };
  if (whenDeleted === 'Delete') return { set: true, pod: false };
  return { set: false, pod: false };
}

/**
 * Sets the claim's ownerReferences per the retention policy (upstream
 * updateClaimOwnerRefForSetAndPod); changes `claim`. Returns true when it changed.
 */
export function updateClaimOwnerRefForSetAndPod(
  claim: PersistentVolumeClaim,
  set: StatefulSet,
  pod: Pod,
): boolean {
  const want = wantedClaimOwners(set, pod);
  let changed = false;
  const apply = (owner: KubeObject, kind: ControllerKind, on: boolean | undefined): void => {
    if (on === undefined || hasOwnerRef(claim, owner) === on) return;
    const meta = (claim.metadata ??= {});
    const refs = meta.ownerReferences ?? [];
    if (on) {
      const ref: OwnerReference = {
        apiVersion: kind.apiVersion,
        kind: kind.kind,
        name: owner.metadata?.name ?? '',
        uid: owner.metadata?.uid ?? '',
      };
      meta.ownerReferences = [...refs, ref];
    } else {
      meta.ownerReferences = refs.filter((r) => r.uid !== owner.metadata?.uid);
    }
    changed = true;
  };
  apply(set, STATEFUL_SET_KIND, want.set);
  apply(pod, { apiVersion: 'v1', kind: 'Pod' }, want.pod);
  return changed;
}

// What API objects a pod or a persistent volume references, as upstream's podutil
// VisitPodSecretNames / VisitPodConfigmapNames (pkg/api/v1/pod/util.go), pvutil.VisitPVSecretNames
// (pkg/api/v1/persistentvolume/util.go), ephemeral.VolumeClaimName and resourceclaim.Name. The
// node authorizer graph and the admission plugins use them to decide what a pod may reach.
import type {
  Container,
  EphemeralContainer,
  PersistentVolume,
  Pod,
  SecretReference,
} from 'kubernetes-types/core/v1.js';

/** Annotation marking a mirror pod (a static pod reflected into the API by its kubelet). */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Visits a referenced name; return false to stop the walk. */
export type NameVisitor = (name: string) => boolean;

/** True when the pod carries the mirror pod annotation (any value). */
export function isMirrorPod(pod: Pod): boolean {
  const a = pod.metadata?.annotations;
  return a !== undefined && Object.prototype.hasOwnProperty.call(a, MIRROR_POD_ANNOTATION);
}

type AnyContainer = Container | EphemeralContainer;

/** Init containers, containers, then ephemeral containers (upstream AllContainers order). */
function* allContainers(pod: Pod): Generator<AnyContainer> {
  const spec = pod.spec;
  if (spec === undefined) return;
  if (spec.initContainers) yield* spec.initContainers;
  yield* spec.containers;
  if (spec.ephemeralContainers) yield* spec.ephemeralContainers;
}

/**
 * Visits every secret name the pod references: imagePullSecrets, env/envFrom of all
 * containers (including ephemeral ones) and volume sources. Returns false when the visitor
 * stopped the walk.
 */
export function visitPodSecretNames(pod: Pod, visitor: NameVisitor): boolean {
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    if (!visitor(ref.name ?? '')) return false;
  }
  for (const c of allContainers(pod)) {
    for (const envFrom of c.envFrom ?? []) {
      if (envFrom.secretRef !== undefined && !visitor(envFrom.secretRef.name ?? '')) return false;
    }
    for (const env of c.env ?? []) {
      const ref = env.valueFrom?.secretKeyRef;
      if (ref !== undefined && !visitor(ref.name ?? '')) return false;
    }
  }
  for (const v of pod.spec?.volumes ?? []) {
    // Upstream's switch takes the first source set, in this order.
    if (v.azureFile !== undefined) {
      if (v.azureFile.secretName !== '' && !visitor(v.azureFile.secretName)) return false;
    } else if (v.cephfs !== undefined) {
      if (v.cephfs.secretRef !== undefined && !visitor(v.cephfs.secretRef.name ?? '')) return false;
    } else if (v.cinder !== undefined) {
      if (v.cinder.secretRef !== undefined && !visitor(v.cinder.secretRef.name ?? '')) return false;
    } else if (v.flexVolume !== undefined) {
      const ref = v.flexVolume.secretRef;
      if (ref !== undefined && !visitor(ref.name ?? '')) return false;
    } else if (v.projected !== undefined) {
      for (const src of v.projected.sources ?? []) {
        if (src.secret !== undefined && !visitor(src.secret.name ?? '')) return false;
      }
    } else if (v.rbd !== undefined) {
      if (v.rbd.secretRef !== undefined && !visitor(v.rbd.secretRef.name ?? '')) return false;
    } else if (v.secret !== undefined) {
      if (!visitor(v.secret.secretName ?? '')) return false;
    } else if (v.scaleIO !== undefined) {
      if (!visitor(v.scaleIO.secretRef.name ?? '')) return false;
    } else if (v.iscsi !== undefined) {
      if (v.iscsi.secretRef !== undefined && !visitor(v.iscsi.secretRef.name ?? '')) return false;
    } else if (v.storageos !== undefined) {
      const ref = v.storageos.secretRef;
      if (ref !== undefined && !visitor(ref.name ?? '')) return false;
    } else if (v.csi !== undefined) {
      const ref = v.csi.nodePublishSecretRef;
      if (ref !== undefined && !visitor(ref.name ?? '')) return false;
    }
  }
  return true;
}

/**
 * Visits every configmap name the pod references: env/envFrom of all containers and
 * configMap / projected configMap volume sources. Returns false when the visitor stopped.
 */
export function visitPodConfigMapNames(pod: Pod, visitor: NameVisitor): boolean {
  for (const c of allContainers(pod)) {
    for (const envFrom of c.envFrom ?? []) {
      const ref = envFrom.configMapRef;
      if (ref !== undefined && !visitor(ref.name ?? '')) return false;
    }
    for (const env of c.env ?? []) {
      const ref = env.valueFrom?.configMapKeyRef;
      if (ref !== undefined && !visitor(ref.name ?? '')) return false;
    }
  }
  for (const v of pod.spec?.volumes ?? []) {
    if (v.projected !== undefined) {
      for (const src of v.projected.sources ?? []) {
        if (src.configMap !== undefined && !visitor(src.configMap.name ?? '')) return false;
      }
    } else if (v.configMap !== undefined) {
      if (!visitor(v.configMap.name ?? '')) return false;
    }
  }
  return true;
}

/**
 * Names of the PVCs the pod's volumes use: `persistentVolumeClaim.claimName`, and for generic
 * ephemeral volumes `<pod name>-<volume name>` (upstream ephemeral.VolumeClaimName).
 */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  const podName = pod.metadata?.name ?? '';
  for (const v of pod.spec?.volumes ?? []) {
    let claim = '';
    if (v.persistentVolumeClaim !== undefined) claim = v.persistentVolumeClaim.claimName;
    else if (v.ephemeral !== undefined) claim = `${podName}-${v.name}`;
    if (claim !== '') out.push(claim);
  }
  return out;
}

interface PodResourceClaimJson {
  name?: string;
  resourceClaimName?: string;
  resourceClaimTemplateName?: string;
  source?: { resourceClaimName?: string; resourceClaimTemplateName?: string };
}
interface PodResourceClaimStatusJson {
  name?: string;
  resourceClaimName?: string;
}

/**
 * Names of the ResourceClaims a pod uses (upstream resourceclaim.Name): a direct
 * `resourceClaimName`, or for a template the name recorded in `status.resourceClaimStatuses`.
 * Claims still to be created, or intentionally not created, are skipped.
 */
export function podResourceClaimNames(pod: Pod): string[] {
  const spec = pod.spec as { resourceClaims?: PodResourceClaimJson[] } | undefined;
  const statuses =
    (pod.status as { resourceClaimStatuses?: PodResourceClaimStatusJson[] } | undefined)
      ?.resourceClaimStatuses ?? [];
  const out: string[] = [];
  for (const c of spec?.resourceClaims ?? []) {
    const direct = c.resourceClaimName ?? c.source?.resourceClaimName;
    if (direct !== undefined && direct !== '') {
      out.push(direct);
      continue;
    }
    const template = c.resourceClaimTemplateName ?? c.source?.resourceClaimTemplateName;
    if (template === undefined || template === '') continue;
    const st = statuses.find((s) => s.name === c.name);
    if (st?.resourceClaimName !== undefined && st.resourceClaimName !== '') {
      out.push(st.resourceClaimName);
    }
  }
  return out;
}

/** Visits a secret a PV references: its namespace, name and whether the kubelet reads it. */
export type PVSecretVisitor = (namespace: string, name: string, kubeletVisible: boolean) => boolean;

/**
 * Visits the secrets a persistent volume references (upstream VisitPVSecretNames). Secrets
 * without an explicit namespace are in the bound claim's namespace. CSI controller secrets are
 * visited with kubeletVisible=false.
 */
export function visitPVSecretNames(pv: PersistentVolume, visitor: PVSecretVisitor): boolean {
  const spec = pv.spec;
  if (spec === undefined) return true;
  const claimNs = spec.claimRef?.namespace ?? '';
  const nsOr = (ref: SecretReference): string =>
    ref.namespace !== undefined && ref.namespace !== '' ? ref.namespace : claimNs;
  if (spec.azureFile !== undefined) {
    const ns =
      spec.azureFile.secretNamespace !== undefined && spec.azureFile.secretNamespace !== ''
        ? spec.azureFile.secretNamespace
        : claimNs;
    if (spec.azureFile.secretName !== '' && !visitor(ns, spec.azureFile.secretName, true)) {
      return false;
    }
  } else if (spec.cephfs !== undefined) {
    const ref = spec.cephfs.secretRef;
    if (ref !== undefined && !visitor(nsOr(ref), ref.name ?? '', true)) return false;
  } else if (spec.cinder !== undefined) {
    const ref = spec.cinder.secretRef;
    if (ref !== undefined && !visitor(ref.namespace ?? '', ref.name ?? '', true)) return false;
  } else if (spec.flexVolume !== undefined) {
    const ref = spec.flexVolume.secretRef;
    if (ref !== undefined && !visitor(nsOr(ref), ref.name ?? '', true)) return false;
  } else if (spec.rbd !== undefined) {
    const ref = spec.rbd.secretRef;
    if (ref !== undefined && !visitor(nsOr(ref), ref.name ?? '', true)) return false;
  } else if (spec.scaleIO !== undefined) {
    const ref = spec.scaleIO.secretRef;
    if (!visitor(nsOr(ref), ref.name ?? '', true)) return false;
  } else if (spec.iscsi !== undefined) {
    const ref = spec.iscsi.secretRef;
    if (ref !== undefined && !visitor(nsOr(ref), ref.name ?? '', true)) return false;
  } else if (spec.storageos !== undefined) {
    const ref = spec.storageos.secretRef;
    if (ref !== undefined && !visitor(ref.namespace ?? '', ref.name ?? '', true)) return false;
  } else if (spec.csi !== undefined) {
    const csi = spec.csi as typeof spec.csi & { nodeExpandSecretRef?: SecretReference };
    const refs: [SecretReference | undefined, boolean][] = [
      [csi.controllerPublishSecretRef, false],
      [csi.controllerExpandSecretRef, false],
      [csi.nodePublishSecretRef, true],
      [csi.nodeStageSecretRef, true],
      [csi.nodeExpandSecretRef, true],
    ];
    for (const [ref, visible] of refs) {
      if (ref !== undefined && !visitor(ref.namespace ?? '', ref.name ?? '', visible)) return false;
    }
  }
  return true;
}

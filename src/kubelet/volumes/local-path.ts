/**
 * A local-path provisioner for PersistentVolumeClaims, as rancher's local-path-provisioner
 * that k3s ships: a StorageClass `local-path` with `WaitForFirstConsumer` binding, so the
 * scheduler picks the node first (annotation `volume.kubernetes.io/selected-node`); that node
 * then creates a directory per claim and a hostPath PersistentVolume pinned to itself by node
 * affinity. The PV builder and the claim filter are pure; the directory helpers touch the
 * host. The controller that watches claims is wired by the kubelet/agent.
 */
import { chmod, mkdir } from 'node:fs/promises';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { removeAllOneFilesystem } from './host.ts';

/** The provisioner name in StorageClasses and PV annotations (rancher's). */
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
/** The StorageClass name k3s installs. */
export const LOCAL_PATH_STORAGE_CLASS_NAME = 'local-path';
/** The scheduler's annotation naming the node of a WaitForFirstConsumer claim. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** The PV controller's annotation naming the provisioner expected to act on a claim. */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
/** The deprecated beta form of {@link ANN_STORAGE_PROVISIONER}. */
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** Set on provisioned PVs (sig-storage-lib-external-provisioner). */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** The node label the PV's affinity matches. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/**
 * The default StorageClass as k3s's local-storage manifest defines it (default class,
 * Delete, WaitForFirstConsumer). A fresh object per call.
 */
export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: LOCAL_PATH_STORAGE_CLASS_NAME,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** The PV name the external provisioner library gives a claim's volume: `pvc-<claim uid>`. */
export function localPathVolumeName(claim: PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid ?? ''}`;
}

/**
 * Whether this node should provision the claim now: pending and unbound, of a StorageClass
 * whose provisioner is local-path, the PV controller asked for this provisioner (when it
 * says), and the scheduler selected this node.
 */
export function shouldProvisionClaim(
  claim: PersistentVolumeClaim,
  storageClass: StorageClass | undefined,
  nodeName: string,
): boolean {
  if (storageClass?.provisioner !== LOCAL_PATH_PROVISIONER) return false;
  if ((claim.spec?.storageClassName ?? '') !== storageClass.metadata?.name) return false;
  if ((claim.spec?.volumeName ?? '') !== '') return false;
  if (claim.status?.phase !== undefined && claim.status.phase !== 'Pending') return false;
  if (claim.metadata?.deletionTimestamp !== undefined) return false;
  const ann = claim.metadata?.annotations ?? {};
  const asked = ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER];
  if (asked !== undefined && asked !== LOCAL_PATH_PROVISIONER) return false;
  return ann[ANN_SELECTED_NODE] === nodeName;
}

/** Inputs of {@link buildLocalPathVolume}. */
export interface LocalPathVolumeInput {
  claim: PersistentVolumeClaim;
  storageClass: StorageClass;
  nodeName: string;
  /** The node's `kubernetes.io/hostname` label; defaults to the node name. */
  nodeHostname?: string;
  /** The directory of the claim on the node ({@link localPathClaimDir}). */
  path: string;
}

/**
 * The PersistentVolume for a claim (local-path-provisioner's Provision plus the external
 * provisioner library's claimRef, class and annotation): hostPath `DirectoryOrCreate` at
 * `path`, capacity = the claim's storage request, the claim's access modes, Filesystem mode,
 * the class's reclaim policy (default Delete) and a required node affinity on
 * `kubernetes.io/hostname`. Throws the provisioner's errors for claims it cannot serve
 * (selector, access modes other than ReadWriteOnce/ReadWriteOncePod, Block mode).
 */
export function buildLocalPathVolume(input: LocalPathVolumeInput): PersistentVolume {
  const { claim, storageClass, nodeName, path } = input;
  const spec = claim.spec ?? {};
  if (spec.selector !== undefined) throw new Error('claim.Spec.Selector is not supported');
  for (const mode of spec.accessModes ?? []) {
    if (mode !== 'ReadWriteOnce' && mode !== 'ReadWriteOncePod')
      throw new Error(
        'NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes',
      );
  }
  if (spec.volumeMode === 'Block') throw new Error('Block volume mode is not supported');
  const storage = spec.resources?.requests?.storage;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: localPathVolumeName(claim),
      annotations: { [ANN_PROVISIONED_BY]: storageClass.provisioner },
    },
    spec: {
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
      storageClassName: storageClass.metadata?.name ?? '',
      accessModes: [...(spec.accessModes ?? [])],
      volumeMode: 'Filesystem',
      ...(storage !== undefined ? { capacity: { storage } } : {}),
      hostPath: { path, type: 'DirectoryOrCreate' },
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: claim.metadata?.namespace ?? '',
        name: claim.metadata?.name ?? '',
        uid: claim.metadata?.uid ?? '',
        ...(claim.metadata?.resourceVersion !== undefined
          ? { resourceVersion: claim.metadata.resourceVersion }
          : {}),
      },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: LABEL_HOSTNAME, operator: 'In', values: [input.nodeHostname ?? nodeName] },
              ],
            },
          ],
        },
      },
    },
  };
}

/** Creates a claim's directory, mode 0777 as the provisioner's setup script (`mkdir -m 0777 -p`). */
export async function provisionLocalPath(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o777 });
  await chmod(dir, 0o777);
}

/**
 * Deletes a claim's directory and its data (the teardown script's `rm -rf`), refusing to
 * descend into a mount point; idempotent.
 */
export async function deleteLocalPath(dir: string): Promise<void> {
  await removeAllOneFilesystem(dir);
}

/**
 * The volumes a pod needs and the mounts of each container (the kubelet's volume manager
 * desired state and makeMounts), as pure plans: which plugin serves each volume, the host
 * path it materialises at, whether containers must mount it read-only, how fsGroup applies,
 * and per container the bind mounts with subPath / subPathExpr expanded.
 */
import type {
  ConfigMapVolumeSource,
  Container,
  DownwardAPIVolumeSource,
  HostPathVolumeSource,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  ProjectedVolumeSource,
  SecretVolumeSource,
  Volume,
} from 'kubernetes-types/core/v1.js';
import { goQuote, parseQuantity } from '../../api/index.ts';
import { expandSubPathExpr } from './expansion.ts';
import type { ResolvedEnvVar } from './expansion.ts';
import { VolumePlugin, cleanPath, podVolumeDir } from './layout.ts';
import type { VolumePluginName } from './layout.ts';

/** How a volume is set up on the host. */
export type VolumeSetUp =
  | {
      kind: 'emptyDir';
      medium: 'disk' | 'Memory';
      /** The disk quota the eviction manager enforces for a disk emptyDir (not a mount option). */
      sizeLimitBytes?: bigint;
    }
  | { kind: 'hostPath'; path: string; type: HostPathType }
  | { kind: 'configMap'; source: ConfigMapVolumeSource }
  | { kind: 'secret'; source: SecretVolumeSource }
  | { kind: 'downwardAPI'; source: DownwardAPIVolumeSource }
  | { kind: 'projected'; source: ProjectedVolumeSource };

/** hostPath `type` values; `''` (unset) skips the check. */
export type HostPathType =
  | ''
  | 'DirectoryOrCreate'
  | 'Directory'
  | 'FileOrCreate'
  | 'File'
  | 'Socket'
  | 'CharDevice'
  | 'BlockDevice';

/**
 * fsGroup handling of a volume: `recursive` always changes ownership (configMap, secret,
 * downwardAPI, projected and emptyDir pass no change policy upstream), `policy` honours the
 * pod's fsGroupChangePolicy (local persistent volumes), `none` never (hostPath).
 */
export type OwnershipManagement = 'recursive' | 'policy' | 'none';

/** One volume of the pod, resolved to a plugin and a host path. */
export interface PlannedVolume {
  /** The pod's volume name. */
  name: string;
  plugin: VolumePluginName;
  /** The host path containers bind-mount (the mounter's GetPath). */
  path: string;
  /** Containers must mount it read-only whatever their volumeMount says. */
  readOnly: boolean;
  ownership: OwnershipManagement;
  setUp: VolumeSetUp;
  /**
   * When set, `path` is a tmpfs mount: emptyDir `medium: Memory`, and secret, downwardAPI and
   * projected volumes (upstream wraps them in a Memory emptyDir so secrets never touch disk).
   * `sizeBytes` is the `size=` option ({@link emptyDirMemorySize}); absent: kernel default.
   */
  tmpfs?: { sizeBytes?: bigint };
  /** For persistentVolumeClaim volumes: the claim and its bound PersistentVolume. */
  claim?: { name: string; volumeName: string };
}

/** A volume the plan could not resolve, with the message the kubelet reports. */
export interface VolumePlanError {
  volume: string;
  message: string;
}

/** A claim and the volume it is bound to, as the caller's listers return them. */
export interface ClaimLookup {
  claim(name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
}

/** Inputs of {@link planPodVolumes}. */
export interface PodVolumePlanOptions {
  /** The kubelet root directory (`/var/lib/kubelet`-like). */
  root: string;
  /** Node allocatable memory (e.g. `'8Gi'`), the default size of Memory emptyDirs. */
  nodeAllocatableMemory?: string;
  /** Claims and persistent volumes; without it PVC volumes fail to plan. */
  claims?: ClaimLookup;
}

/** The result of {@link planPodVolumes}: volumes that could be planned, and errors. */
export interface PodVolumePlan {
  volumes: PlannedVolume[];
  errors: VolumePlanError[];
}

function containerMemoryLimit(c: Container): bigint | undefined {
  const q = c.resources?.limits?.memory;
  if (q === undefined) return undefined;
  const v = parseQuantity(q).scaledValue(0);
  return v > 0n ? v : undefined;
}

/**
 * The pod's memory limit as the pod cgroup gets it (ResourceConfigForPod): only when every
 * container declares one; app containers and sidecars add up, a regular init container
 * counts with the sidecars started before it, and the largest total wins.
 */
export function podMemoryLimit(pod: Pod): bigint | undefined {
  let sidecars = 0n;
  let initMax = 0n;
  for (const c of pod.spec?.initContainers ?? []) {
    const l = containerMemoryLimit(c);
    if (l === undefined) return undefined;
    if (c.restartPolicy === 'Always') sidecars += l;
    else if (l + sidecars > initMax) initMax = l + sidecars;
  }
  let apps = 0n;
  for (const c of pod.spec?.containers ?? []) {
    const l = containerMemoryLimit(c);
    if (l === undefined) return undefined;
    apps += l;
  }
  const total = apps + sidecars;
  return total > initMax ? total : initMax;
}

/**
 * The tmpfs size of a Memory emptyDir (calculateEmptyDirMemorySize): node allocatable
 * memory, lowered to the pod's memory limit, lowered to the volume's sizeLimit, each only
 * when positive and not larger. `undefined` (the kernel's default of half the RAM) when
 * nothing is known.
 */
export function emptyDirMemorySize(
  pod: Pod,
  sizeLimit: string | undefined,
  nodeAllocatableMemory: string | undefined,
): bigint | undefined {
  let size =
    nodeAllocatableMemory !== undefined
      ? parseQuantity(nodeAllocatableMemory).scaledValue(0)
      : undefined;
  const podLimit = podMemoryLimit(pod);
  if (podLimit !== undefined && podLimit > 0n && (size === undefined || podLimit <= size))
    size = podLimit;
  if (sizeLimit !== undefined) {
    const v = parseQuantity(sizeLimit).scaledValue(0);
    if (v > 0n && (size === undefined || v <= size)) size = v;
  }
  return size !== undefined && size > 0n ? size : undefined;
}

/**
 * The claim's bound PersistentVolume, checked as the volume manager's populator does, or the
 * error text `error processing PVC NS/NAME: ...`.
 */
export function resolveClaim(
  pod: Pod,
  claimName: string,
  claims: ClaimLookup | undefined,
): { claim: PersistentVolumeClaim; volume: PersistentVolume } {
  const ns = pod.metadata?.namespace ?? '';
  const fail = (msg: string): never => {
    throw new Error(`error processing PVC ${ns}/${claimName}: ${msg}`);
  };
  const claim = claims?.claim(claimName);
  if (claim === undefined)
    return fail(
      `failed to fetch PVC from API server: persistentvolumeclaims ${goQuote(claimName)} not found`,
    );
  if (claim.metadata?.deletionTimestamp !== undefined) return fail('PVC is being deleted');
  if (claim.status?.phase !== 'Bound') return fail('PVC is not bound');
  const pvName = claim.spec?.volumeName ?? '';
  if (pvName === '') return fail('PVC has empty pvc.Spec.VolumeName');
  const volume = claims?.volume(pvName);
  if (volume === undefined)
    return fail(
      `failed to fetch PV ${pvName} from API server: persistentvolumes ${goQuote(pvName)} not found`,
    );
  const ref = volume.spec?.claimRef;
  if (ref === undefined)
    return fail(
      `found PV object ${pvName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`,
    );
  if (ref.uid !== claim.metadata?.uid)
    return fail(
      `found PV object ${pvName} but its pv.Spec.ClaimRef.UID ${ref.uid ?? ''} does not point to claim.UID ${claim.metadata?.uid ?? ''}`,
    );
  return { claim, volume };
}

function hostPathSetUp(src: HostPathVolumeSource): VolumeSetUp {
  return { kind: 'hostPath', path: src.path, type: (src.type ?? '') as HostPathType };
}

/**
 * Plans one pod volume. Throws the kubelet's message when the volume cannot be served
 * (unsupported plugin, unresolvable claim).
 */
export function planVolume(pod: Pod, volume: Volume, opts: PodVolumePlanOptions): PlannedVolume {
  const uid = pod.metadata?.uid ?? '';
  const dir = (plugin: VolumePluginName): string =>
    podVolumeDir(opts.root, uid, plugin, volume.name);
  const tmpfs = (sizeLimit: string | undefined): { sizeBytes?: bigint } => {
    const sizeBytes = emptyDirMemorySize(pod, sizeLimit, opts.nodeAllocatableMemory);
    return sizeBytes !== undefined ? { sizeBytes } : {};
  };
  if (volume.emptyDir !== undefined) {
    const memory = volume.emptyDir.medium === 'Memory';
    const limit =
      volume.emptyDir.sizeLimit !== undefined
        ? parseQuantity(volume.emptyDir.sizeLimit).scaledValue(0)
        : undefined;
    return {
      name: volume.name,
      plugin: VolumePlugin.EmptyDir,
      path: dir(VolumePlugin.EmptyDir),
      readOnly: false,
      ownership: 'recursive',
      setUp: {
        kind: 'emptyDir',
        medium: memory ? 'Memory' : 'disk',
        ...(!memory && limit !== undefined && limit > 0n ? { sizeLimitBytes: limit } : {}),
      },
      ...(memory ? { tmpfs: tmpfs(volume.emptyDir.sizeLimit) } : {}),
    };
  }
  if (volume.hostPath !== undefined) {
    return {
      name: volume.name,
      plugin: VolumePlugin.HostPath,
      path: volume.hostPath.path,
      readOnly: false,
      ownership: 'none',
      setUp: hostPathSetUp(volume.hostPath),
    };
  }
  // configMap volumes live on disk; secret, downwardAPI and projected ones on tmpfs.
  const atomic = (plugin: VolumePluginName, setUp: VolumeSetUp): PlannedVolume => ({
    name: volume.name,
    plugin,
    path: dir(plugin),
    readOnly: true,
    ownership: 'recursive',
    setUp,
    ...(plugin !== VolumePlugin.ConfigMap ? { tmpfs: tmpfs(undefined) } : {}),
  });
  if (volume.configMap !== undefined)
    return atomic(VolumePlugin.ConfigMap, { kind: 'configMap', source: volume.configMap });
  if (volume.secret !== undefined)
    return atomic(VolumePlugin.Secret, { kind: 'secret', source: volume.secret });
  if (volume.downwardAPI !== undefined)
    return atomic(VolumePlugin.DownwardAPI, { kind: 'downwardAPI', source: volume.downwardAPI });
  if (volume.projected !== undefined)
    return atomic(VolumePlugin.Projected, { kind: 'projected', source: volume.projected });
  if (volume.persistentVolumeClaim !== undefined) {
    const claimName = volume.persistentVolumeClaim.claimName;
    const { volume: pv } = resolveClaim(pod, claimName, opts.claims);
    const pvName = pv.metadata?.name ?? '';
    const readOnly = volume.persistentVolumeClaim.readOnly === true;
    const claim = { name: claimName, volumeName: pvName };
    if (pv.spec?.hostPath !== undefined) {
      return {
        name: volume.name,
        plugin: VolumePlugin.HostPath,
        path: pv.spec.hostPath.path,
        readOnly,
        ownership: 'none',
        setUp: hostPathSetUp(pv.spec.hostPath),
        claim,
      };
    }
    if (pv.spec?.local !== undefined) {
      // Upstream bind-mounts the local path at pods/<uid>/volumes/kubernetes.io~local-volume/<pv>;
      // the container runtime bind-mounts whatever path we give it, so the local path is used
      // directly and no extra mount has to be tracked and torn down.
      return {
        name: volume.name,
        plugin: VolumePlugin.LocalVolume,
        path: pv.spec.local.path,
        readOnly,
        ownership: readOnly ? 'none' : 'policy',
        setUp: { kind: 'hostPath', path: pv.spec.local.path, type: 'Directory' },
        claim,
      };
    }
    throw new Error(
      `error processing PVC ${pod.metadata?.namespace ?? ''}/${claimName}: no volume plugin matched`,
    );
  }
  throw new Error('no volume plugin matched');
}

/** Plans every volume of `pod.spec.volumes` (in order); failures are collected, not thrown. */
export function planPodVolumes(pod: Pod, opts: PodVolumePlanOptions): PodVolumePlan {
  const volumes: PlannedVolume[] = [];
  const errors: VolumePlanError[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    try {
      volumes.push(planVolume(pod, v, opts));
    } catch (err) {
      errors.push({ volume: v.name, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { volumes, errors };
}

/** CRI mount propagation (runtimeapi.MountPropagation). */
export type MountPropagation = 'Private' | 'HostToContainer' | 'Bidirectional';

/**
 * A volumeMount's propagation (translateMountPropagation): unset and `None` are private;
 * anything else is `invalid MountPropagation mode: "X"`.
 */
export function translateMountPropagation(mode: string | undefined): MountPropagation {
  switch (mode) {
    case undefined:
    case 'None':
      return 'Private';
    case 'HostToContainer':
      return 'HostToContainer';
    case 'Bidirectional':
      return 'Bidirectional';
    default:
      throw new Error(`invalid MountPropagation mode: ${goQuote(mode)}`);
  }
}

/** One bind mount of a container (kubecontainer.Mount). */
export interface ContainerMount {
  /** The volumeMount's name (the pod volume). */
  name: string;
  containerPath: string;
  /** The host source: the volume path, or the volume path joined with the subPath. */
  hostPath: string;
  readOnly: boolean;
  propagation: MountPropagation;
  /** The volume's own path, when a subPath is used (the subPath must stay inside it). */
  volumePath: string;
  /** The expanded subPath, relative to `volumePath`; `''` when none. */
  subPath: string;
}

/** Rejects `..` path elements (ValidatePathNoBacksteps). */
export function validatePathNoBacksteps(p: string): void {
  if (p.split('/').includes('..')) throw new Error("must not contain '..'");
}

/**
 * The container's mounts (the kubelet's makeMounts, without /etc/hosts and the termination
 * log): each volumeMount resolved to its pod volume, `subPathExpr` expanded from the
 * container's resolved env, the subPath checked (relative, no `..`), read-only when the mount
 * or the volume says so, propagation translated. Throws the kubelet's message at the first
 * bad mount (`cannot find volume "V" to mount into container "C"`, ...). Creating a missing
 * subPath directory and checking it does not escape the volume is the host's job
 * ({@link prepareSubPath}).
 */
export function makeContainerMounts(
  container: Container,
  volumes: readonly PlannedVolume[],
  env: readonly ResolvedEnvVar[] = [],
): ContainerMount[] {
  const byName = new Map(volumes.map((v) => [v.name, v]));
  const mounts: ContainerMount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const vol = byName.get(m.name);
    if (vol === undefined)
      throw new Error(
        `cannot find volume ${goQuote(m.name)} to mount into container ${goQuote(container.name)}`,
      );
    let subPath = m.subPath ?? '';
    if (m.subPathExpr !== undefined && m.subPathExpr !== '')
      subPath = expandSubPathExpr(m.subPathExpr, env);
    let hostPath = vol.path;
    if (subPath !== '') {
      if (subPath.startsWith('/'))
        throw new Error(`error SubPath \`${subPath}\` must not be an absolute path`);
      try {
        validatePathNoBacksteps(subPath);
      } catch (err) {
        throw new Error(`unable to provision SubPath \`${subPath}\`: ${(err as Error).message}`);
      }
      hostPath = cleanPath(`${vol.path}/${subPath}`);
    }
    mounts.push({
      name: m.name,
      containerPath: m.mountPath,
      hostPath,
      readOnly: m.readOnly === true || vol.readOnly,
      propagation: translateMountPropagation(m.mountPropagation),
      volumePath: vol.path,
      subPath,
    });
  }
  return mounts;
}

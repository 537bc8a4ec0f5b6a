/**
 * The kubelet's on-disk layout of pod volumes, as upstream's kubelet lays it out
 * (pkg/kubelet/kubelet_getters.go, pkg/volume/util/strings): every pod has
 * `<root>/pods/<uid>`, and every volume a plugin materialises lives in
 * `<root>/pods/<uid>/volumes/<escaped plugin name>/<volume name>`, where the plugin name
 * `kubernetes.io/empty-dir` is escaped to `kubernetes.io~empty-dir` (one path element). Pure.
 */
import { posix } from 'node:path';

/** Upstream's in-tree plugin names (the `Name` each volume plugin registers). */
export const VolumePlugin = {
  EmptyDir: 'kubernetes.io/empty-dir',
  HostPath: 'kubernetes.io/host-path',
  ConfigMap: 'kubernetes.io/configmap',
  Secret: 'kubernetes.io/secret',
  DownwardAPI: 'kubernetes.io/downward-api',
  Projected: 'kubernetes.io/projected',
  LocalVolume: 'kubernetes.io/local-volume',
} as const;
/** One of {@link VolumePlugin}'s names. */
export type VolumePluginName = (typeof VolumePlugin)[keyof typeof VolumePlugin];

/** `kubernetes.io/empty-dir` → `kubernetes.io~empty-dir` (upstream's EscapeQualifiedName). */
export function escapeQualifiedName(name: string): string {
  return name.replaceAll('/', '~');
}

/** `kubernetes.io~empty-dir` → `kubernetes.io/empty-dir` (UnescapeQualifiedName). */
export function unescapeQualifiedName(name: string): string {
  return name.replaceAll('~', '/');
}

/** `<root>/pods/<uid>`: the pod's directory (getPodDir). */
export function podDir(root: string, podUID: string): string {
  return posix.join(root, 'pods', podUID);
}

/** `<root>/pods/<uid>/volumes` (getPodVolumesDir). */
export function podVolumesDir(root: string, podUID: string): string {
  return posix.join(podDir(root, podUID), 'volumes');
}

/** `<root>/pods/<uid>/volumes/<escaped plugin>` (getPodVolumeDir's parent). */
export function podPluginDir(root: string, podUID: string, plugin: string): string {
  return posix.join(podVolumesDir(root, podUID), escapeQualifiedName(plugin));
}

/** `<root>/pods/<uid>/volumes/<escaped plugin>/<volume>` (getPodVolumeDir). */
export function podVolumeDir(root: string, podUID: string, plugin: string, volume: string): string {
  return posix.join(podPluginDir(root, podUID, plugin), volume);
}

/** `<root>/pods/<uid>/volume-subpaths` (getPodVolumeSubpathsDir). */
export function podVolumeSubpathsDir(root: string, podUID: string): string {
  return posix.join(podDir(root, podUID), 'volume-subpaths');
}

/**
 * `<root>/storage/<claim uid>`: the local-path provisioner's directory for one claim. The
 * claim's UID (not its name) keys the directory so a deleted and re-created claim of the same
 * name never sees the old data.
 */
export function localPathClaimDir(root: string, claimUID: string): string {
  return posix.join(root, 'storage', claimUID);
}

/**
 * Go's `filepath.Clean` for slash paths: collapses `//`, removes `.` elements and resolves
 * `..` lexically, drops a trailing slash; `''` becomes `'.'`. Pure.
 */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

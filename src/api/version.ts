/**
 * The Kubernetes version Skiff's API speaks. The minor version decides which kubectl the
 * machine's kubectl dispatcher picks, so keep it within the range of kubectl binaries shipped.
 */
export const KUBERNETES_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-skiff',
} as const;

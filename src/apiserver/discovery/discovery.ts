/**
 * Discovery documents built from the scheme: legacy (APIVersions, APIGroupList, APIGroup,
 * APIResourceList) and aggregated (apidiscovery.k8s.io v2 / v2beta1 APIGroupDiscoveryList).
 * Pure functions; shapes as /work/shared/docs/kubectl-wire.md §2 records them.
 */
import type { ResourceInfo, Scheme } from '../../api/index.ts';

const gvString = (group: string, version: string): string =>
  group === '' ? version : `${group}/${version}`;

/** GET /api */
export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, versions: readonly string[], preferred: string): object {
  return {
    name: group,
    versions: versions.map((v) => ({ groupVersion: gvString(group, v), version: v })),
    preferredVersion: { groupVersion: gvString(group, preferred), version: preferred },
  };
}

/** GET /apis */
export function apiGroupList(scheme: Scheme): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: scheme
      .groupVersions()
      .filter((g) => g.group !== '')
      .map((g) => apiGroup(g.group, g.versions, g.preferredVersion)),
  };
}

/** GET /apis/GROUP, or undefined when the group is unknown. */
export function apiGroupDocument(scheme: Scheme, group: string): object | undefined {
  const g = scheme.groupVersions().find((x) => x.group === group);
  if (g === undefined || group === '') return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    ...apiGroup(g.group, g.versions, g.preferredVersion),
  };
}

/** GET /api/v1 or /apis/GROUP/VERSION, or undefined when unknown. */
export function apiResourceList(
  scheme: Scheme,
  group: string,
  version: string,
): object | undefined {
  const resources = scheme.resourcesFor({ group, version });
  if (resources.length === 0) return undefined;
  const list: object[] = [];
  for (const r of resources) {
    list.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
      ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories.length > 0 ? { categories: [...r.categories] } : {}),
    });
    for (const s of r.subresources) {
      const sameGV = s.group === r.group && s.version === r.version;
      list.push({
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(sameGV ? {} : { group: s.group, version: s.version }),
        kind: s.kind,
        verbs: [...s.verbs],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gvString(group, version),
    resources: list,
  };
}

function discoveryResource(r: ResourceInfo): object {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
    ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
    ...(r.categories.length > 0 ? { categories: [...r.categories] } : {}),
    ...(r.subresources.length > 0
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group, version: s.version, kind: s.kind },
            verbs: [...s.verbs],
          })),
        }
      : {}),
  };
}

/**
 * Aggregated discovery for /api (`core` true: the core group only) or /apis (every other
 * group), with versions in preference order. `version` is 'v2' or 'v2beta1'.
 */
export function aggregatedDiscovery(
  scheme: Scheme,
  core: boolean,
  version: 'v2' | 'v2beta1',
): object {
  const items = scheme
    .groupVersions()
    .filter((g) => (g.group === '') === core)
    .map((g) => ({
      metadata: core ? { creationTimestamp: null } : { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: scheme.resourcesFor({ group: g.group, version: v }).map(discoveryResource),
        freshness: 'Current',
      })),
    }));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items,
  };
}

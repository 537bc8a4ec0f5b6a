/**
 * Upstream OpenAPI schema names (`io.k8s.api.core.v1.Pod`) of the types in `kubernetes-types`,
 * shared by the generator (scripts/gen-openapi) and the document builder.
 */

/**
 * The upstream schema name prefix of a `kubernetes-types` declaration module (its path without
 * `.d.ts`, e.g. `core/v1`, `meta/v1`, `api/resource`).
 */
export function packageOfModule(module: string): string {
  switch (module) {
    case 'meta/v1':
      return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default:
      return `io.k8s.api.${module.replace('/', '.')}`;
  }
}

/** The `kubernetes-types` module of an API group version (`apps`, `v1` → `apps/v1`). */
export function moduleOfGroupVersion(group: string, version: string): string {
  if (group === '') return `core/${version}`;
  if (group === 'internal.apiserver.k8s.io') return `apiserverinternal/${version}`;
  return `${group.split('.')[0] ?? group}/${version}`;
}

/** The upstream schema name of a kind served in a group version. */
export function schemaNameOf(group: string, version: string, kind: string): string {
  return `${packageOfModule(moduleOfGroupVersion(group, version))}.${kind}`;
}

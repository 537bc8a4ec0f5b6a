/**
 * OpenAPI v3 documents (`/openapi/v3` root and one document per group-version).
 *
 * For now each document lists, for every kind, its PATCH operation with the GVK extension and
 * the `fieldValidation` query parameter: that is what kubectl's validation looks for before it
 * sends `fieldValidation=Strict` (kubectl-wire.md §3.2-3.3). The strategic-merge content type is
 * deliberately not listed until full `components.schemas` are served: kubectl then builds
 * strategic merge patches from its compiled-in types, which is correct for built-ins.
 */
import { createHash } from 'node:crypto';
import type { Scheme } from '../../api/index.ts';

export interface OpenApiDocs {
  /** The root document: `{ paths: { 'api/v1': { serverRelativeURL } } }`. */
  root: object;
  /** Group-version path ('api/v1', 'apis/apps/v1') → serialized document and its hash. */
  byPath: Map<string, { body: string; hash: string }>;
}

/** Builds every document from the scheme (call again when the scheme changes). */
export function buildOpenApiV3(scheme: Scheme, kubernetesVersion: string): OpenApiDocs {
  const byPath = new Map<string, { body: string; hash: string }>();
  for (const gvs of scheme.groupVersions()) {
    for (const version of gvs.versions) {
      const group = gvs.group;
      const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
      const paths: Record<string, object> = {};
      for (const r of scheme.resourcesFor({ group, version })) {
        if (!r.verbs.includes('patch')) continue;
        const path = r.namespaced
          ? `${base}/namespaces/{namespace}/${r.resource}/{name}`
          : `${base}/${r.resource}/{name}`;
        paths[path] = {
          patch: {
            'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
            parameters: [
              { name: 'dryRun', in: 'query', schema: { type: 'string' } },
              { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
              { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
              { name: 'force', in: 'query', schema: { type: 'boolean' } },
            ],
            requestBody: {
              content: {
                'application/json-patch+json': {},
                'application/merge-patch+json': {},
                'application/apply-patch+yaml': {},
              },
            },
            responses: { '200': { description: 'OK' } },
          },
        };
      }
      const doc = {
        openapi: '3.0.0',
        info: { title: 'Kubernetes', version: kubernetesVersion },
        paths,
        components: {},
      };
      const body = JSON.stringify(doc);
      const hash = createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase();
      byPath.set(base.slice(1), { body, hash });
    }
  }
  const root: Record<string, object> = {};
  for (const [path, { hash }] of byPath) {
    root[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { root: { paths: root }, byPath };
}

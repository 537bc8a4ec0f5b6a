/**
 * OpenAPI v3 component schemas for a custom resource version, as apiextensions-apiserver's
 * builder publishes them (Kubernetes 1.32 pkg/controller/openapi/builder/builder.go): the
 * version's schema plus `apiVersion`, `kind` and an ObjectMeta `metadata` reference, the
 * `x-kubernetes-group-version-kind` extension, and the `<Kind>List` schema. Names follow
 * upstream's ToRESTFriendlyName, e.g. `com.example.stable.v1.CronTab`, so `kubectl explain`
 * finds them.
 */
import type { CustomResourceDefinition, JSONSchemaProps } from './types.ts';
import { isJsonObject } from './types.ts';

const OBJECT_META_REF = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META_REF = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DESCRIPTION =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DESCRIPTION =
  'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** An OpenAPI v3 schema object as JSON. */
export type OpenApiSchema = Record<string, unknown>;

/**
 * upstream util.ToRESTFriendlyName of `group/version/kind`: the group's dot-separated parts
 * reversed, then version and kind, joined with dots.
 */
export function crdSchemaName(group: string, version: string, kind: string): string {
  const g = group.includes('.') ? group.split('.').reverse().join('.') : group;
  return [g, version, kind].join('.');
}

function typeMetaProperties(): Record<string, OpenApiSchema> {
  return {
    apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
    kind: { description: KIND_DESCRIPTION, type: 'string' },
  };
}

function metadataProperty(): OpenApiSchema {
  return { allOf: [{ $ref: OBJECT_META_REF }], description: METADATA_DESCRIPTION };
}

/** Adds apiVersion/kind/metadata to every nested x-kubernetes-embedded-resource (in place). */
function addEmbeddedProperties(s: OpenApiSchema): void {
  const props = s.properties;
  if (isJsonObject(props)) {
    for (const p of Object.values(props)) if (isJsonObject(p)) addEmbeddedProperties(p);
  }
  if (isJsonObject(s.items)) addEmbeddedProperties(s.items);
  if (isJsonObject(s.additionalProperties)) addEmbeddedProperties(s.additionalProperties);
  if (s['x-kubernetes-embedded-resource'] === true) {
    const next = isJsonObject(props) ? props : {};
    Object.assign(next, typeMetaProperties(), { metadata: metadataProperty() });
    s.properties = next;
  }
}

/**
 * The component schemas of `version` of `crd`: `{ [<name>]: kindSchema, [<name>List]:
 * listSchema }`. Without a schema the kind is an object that preserves unknown fields. The
 * result is freshly allocated (the CRD is not modified).
 */
export function crdOpenApiSchemas(
  crd: CustomResourceDefinition,
  version: string,
): Record<string, OpenApiSchema> {
  const group = crd.spec.group ?? '';
  const names = crd.spec.names ?? {};
  const kind = names.kind ?? '';
  const listKind = names.listKind ?? `${kind}List`;
  const plural = names.plural ?? '';
  const v = (crd.spec.versions ?? []).find((x) => x.name === version);
  const source: JSONSchemaProps | undefined = v?.schema?.openAPIV3Schema;
  let kindSchema: OpenApiSchema;
  if (source !== undefined) {
    kindSchema = structuredClone(source) as OpenApiSchema;
    const props = isJsonObject(kindSchema.properties) ? kindSchema.properties : {};
    kindSchema.properties = props;
    for (const p of Object.values(props)) if (isJsonObject(p)) addEmbeddedProperties(p);
    Object.assign(props, typeMetaProperties(), { metadata: metadataProperty() });
    if (kindSchema.type === undefined) kindSchema.type = 'object';
  } else {
    kindSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  kindSchema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
  const name = crdSchemaName(group, version, kind);
  const listSchema: OpenApiSchema = {
    description: `${listKind} is a list of ${kind}`,
    properties: {
      ...typeMetaProperties(),
      items: {
        description: `List of ${plural}. More info: https://git.k8s.io/community/contributors/devel/api-conventions.md`,
        items: { $ref: `#/components/schemas/${name}` },
        type: 'array',
      },
      metadata: { allOf: [{ $ref: LIST_META_REF }], description: LIST_METADATA_DESCRIPTION },
    },
    required: ['items'],
    type: 'object',
    'x-kubernetes-group-version-kind': [{ group, kind: listKind, version }],
  };
  return { [name]: kindSchema, [crdSchemaName(group, version, listKind)]: listSchema };
}

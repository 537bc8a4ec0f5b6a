/**
 * Compiles OpenAPI v3 component schemas (the built-in ones of
 * src/apiserver/openapi/schemas.generated.json, or a CRD's structural schema) into the
 * decoding shapes strict decoding walks. The rules follow how Go decodes the types the schemas
 * describe:
 *
 * - `properties` → struct (exact, case-sensitive field names);
 * - `additionalProperties` → map of the value schema (`true` → map of anything);
 * - `items` → list;
 * - `$ref` and `allOf: [{$ref}]` are followed (recursive types are fine);
 * - `x-kubernetes-preserve-unknown-fields` → unknown keys are kept, not reported;
 * - `x-kubernetes-embedded-resource` → `apiVersion`, `kind`, `metadata` are known;
 * - a scalar, `x-kubernetes-int-or-string`, or an object schema with no properties
 *   (RawExtension, FieldsV1, JSON...: types with their own unmarshaler) is opaque;
 * - named structs carry their Go type (`v1.PodSpec`) and scalars theirs (`int32`,
 *   `resource.Quantity`...), for the decoder's type errors (./type-errors.ts).
 *
 * Compiled shapes are cached per `schemas` object (a WeakMap), so each schema is compiled once
 * for the life of the process; callers keep passing the same parsed `schemas` object.
 */
import { ANY_NODE, RAW_NODE } from './schema-node.ts';
import type { RawNode, ScalarType, SchemaNode, StructNode } from './schema-node.ts';

/** The `components.schemas` object: schema name → OpenAPI schema (parsed JSON). */
export type OpenAPISchemas = Readonly<Record<string, unknown>>;

/** A group, version and kind. */
export interface GVK {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

const REF_PREFIX = '#/components/schemas/';

/**
 * Go structs with no fields: any key inside is unknown (unlike the opaque object types, which
 * have custom unmarshalers).
 */
const EMPTY_STRUCTS: ReadonlySet<string> = new Set([
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceSubresourceStatus',
]);

/**
 * Fields of the Kubernetes 1.32 Go types that the generated schemas lack: 1.31/1.32 additions
 * (the schemas are built from kubernetes-types 1.30), fields of embedded structs that
 * kubernetes-types omits, and the `x-kubernetes-*` fields of JSONSchemaProps (dropped by the
 * generator). Go decodes them whatever the feature gates, so they must not
 * be reported as unknown; their contents are not checked.
 */
const GO_ONLY_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  // Inlined from the embedded Rule struct, which kubernetes-types leaves out.
  ['io.k8s.api.admissionregistration.v1.RuleWithOperations', ['resources', 'scope']],
  ['io.k8s.api.core.v1.Volume', ['image']],
  ['io.k8s.api.core.v1.PodSecurityContext', ['supplementalGroupsPolicy']],
  ['io.k8s.api.core.v1.PodSpec', ['resources']],
  ['io.k8s.api.core.v1.ContainerStatus', ['user', 'allocatedResourcesStatus']],
  ['io.k8s.api.core.v1.NodeStatus', ['features']],
  ['io.k8s.api.core.v1.NodeSystemInfo', ['swap']],
  ['io.k8s.api.core.v1.NodeRuntimeHandlerFeatures', ['userNamespaces']],
  ['io.k8s.api.core.v1.ResourceClaim', ['request']],
  ['io.k8s.api.core.v1.PodResourceClaim', ['resourceClaimName', 'resourceClaimTemplateName']],
  ['io.k8s.api.coordination.v1.LeaseSpec', ['strategy', 'preferredHolder']],
  [
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps',
    [
      'x-kubernetes-preserve-unknown-fields',
      'x-kubernetes-embedded-resource',
      'x-kubernetes-int-or-string',
      'x-kubernetes-list-map-keys',
      'x-kubernetes-list-type',
      'x-kubernetes-map-type',
      'x-kubernetes-validations',
    ],
  ],
]);

interface Cache {
  /** Named schema → compiled shape (set before the fields are filled, for recursion). */
  readonly byName: Map<string, SchemaNode>;
  /** Root shapes (with `apiVersion`/`kind` forced known), by schema name. */
  readonly roots: Map<string, SchemaNode>;
  /** `group/version/kind` → schema name, from `x-kubernetes-group-version-kind`. */
  gvkIndex: Map<string, string> | undefined;
}

const caches = new WeakMap<object, Cache>();

function cacheFor(schemas: OpenAPISchemas): Cache {
  let c = caches.get(schemas);
  if (c === undefined) {
    c = { byName: new Map(), roots: new Map(), gvkIndex: undefined };
    caches.set(schemas, c);
  }
  return c;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/**
 * The shape of the named component schema as a top-level object: `apiVersion` and `kind` are
 * always known. `undefined` when `schemas` has no such name. The result is cached and shared:
 * never change it.
 */
export function schemaNodeForName(schemas: OpenAPISchemas, name: string): SchemaNode | undefined {
  const cache = cacheFor(schemas);
  const cached = cache.roots.get(name);
  if (cached !== undefined) return cached;
  if (!isRecord(schemas[name])) return undefined;
  const node = compileNamed(schemas, cache, name);
  const root = node.kind === 'struct' ? withTypeMeta(node) : node;
  cache.roots.set(name, root);
  return root;
}

/**
 * The shape of the kind `gvk` found through the schemas' `x-kubernetes-group-version-kind`
 * extensions; `undefined` when no schema declares it. Cached like {@link schemaNodeForName}.
 */
export function schemaNodeForKind(schemas: OpenAPISchemas, gvk: GVK): SchemaNode | undefined {
  const cache = cacheFor(schemas);
  if (cache.gvkIndex === undefined) {
    const index = new Map<string, string>();
    for (const [name, schema] of Object.entries(schemas)) {
      if (!isRecord(schema)) continue;
      const ext = schema['x-kubernetes-group-version-kind'];
      if (!Array.isArray(ext)) continue;
      for (const e of ext) {
        if (!isRecord(e)) continue;
        const { group, version, kind } = e;
        if (typeof version === 'string' && typeof kind === 'string') {
          index.set(gvkKey(typeof group === 'string' ? group : '', version, kind), name);
        }
      }
    }
    cache.gvkIndex = index;
  }
  const name = cache.gvkIndex.get(gvkKey(gvk.group, gvk.version, gvk.kind));
  return name === undefined ? undefined : schemaNodeForName(schemas, name);
}

/**
 * Compiles a standalone schema (e.g. a CRD version's `openAPIV3Schema`) as a top-level object.
 * `$ref`s resolve against `schemas` (pass `{}` when there are none). Not cached: compile once
 * per CRD version and keep the result.
 */
export function compileSchema(schema: unknown, schemas: OpenAPISchemas = {}): SchemaNode {
  const cache = cacheFor(schemas);
  const node = compile(schemas, cache, schema);
  if (node.kind !== 'struct') return node;
  const root = withTypeMeta(node);
  // A CRD schema declares `metadata` as a bare object; the server decodes it as ObjectMeta.
  const meta = root.fields.get('metadata');
  if (
    (meta === undefined || meta.kind === 'raw' || meta.kind === 'any') &&
    isRecord(schemas[OBJECT_META])
  ) {
    root.fields.set('metadata', compileNamed(schemas, cache, OBJECT_META));
  }
  return root;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** A copy of `node` where `apiVersion` and `kind` are known (Go's inline TypeMeta). */
function withTypeMeta(node: StructNode): StructNode {
  const fields = new Map(node.fields);
  if (!fields.has('apiVersion')) fields.set('apiVersion', RAW_NODE);
  if (!fields.has('kind')) fields.set('kind', RAW_NODE);
  return {
    kind: 'struct',
    fields,
    preserveUnknown: node.preserveUnknown,
    ...(node.goType === undefined ? {} : { goType: node.goType }),
  };
}

/** Shared scalar nodes, one per Go type. */
const SCALARS = new Map<ScalarType, RawNode>();

function scalarNode(scalar: ScalarType): RawNode {
  let node = SCALARS.get(scalar);
  if (node === undefined) {
    node = Object.freeze({ kind: 'raw', scalar });
    SCALARS.set(scalar, node);
  }
  return node;
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** The Go type a scalar schema decodes into; undefined for objects and untyped schemas. */
function scalarOf(schema: Record<string, unknown>): ScalarType | undefined {
  if (schema['x-kubernetes-int-or-string'] === true) return 'int-or-string';
  switch (schema.type) {
    case 'string':
      return schema.format === 'byte' ? '[]uint8' : 'string';
    case 'boolean':
      return 'bool';
    case 'integer':
      return schema.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    default:
      return undefined;
  }
}

/** `io.k8s.api.core.v1.PodSpec` → `v1.PodSpec` (package and type, as Go prints a type). */
function goTypeOfName(name: string): string {
  const parts = name.split('.');
  return parts.length < 2
    ? name
    : `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? ''}`;
}

function compileNamed(schemas: OpenAPISchemas, cache: Cache, name: string): SchemaNode {
  const existing = cache.byName.get(name);
  if (existing !== undefined) return existing;
  const schema = schemas[name];
  if (!isRecord(schema)) {
    cache.byName.set(name, RAW_NODE);
    return RAW_NODE;
  }
  if (EMPTY_STRUCTS.has(name)) {
    const empty: StructNode = { kind: 'struct', fields: new Map(), preserveUnknown: false };
    cache.byName.set(name, empty);
    return empty;
  }
  if (name === QUANTITY) {
    const node = scalarNode('quantity');
    cache.byName.set(name, node);
    return node;
  }
  // Containers are registered before their children compile, so self-references resolve.
  const shell = shellFor(schema, goTypeOfName(name));
  if (shell === undefined) {
    const node = compile(schemas, cache, schema);
    cache.byName.set(name, node);
    return node;
  }
  cache.byName.set(name, shell);
  fill(schemas, cache, schema, shell);
  if (shell.kind === 'struct') {
    for (const f of GO_ONLY_FIELDS.get(name) ?? []) {
      if (!shell.fields.has(f)) shell.fields.set(f, RAW_NODE);
    }
  }
  return shell;
}

/**
 * An empty container node of the right kind for `schema`, or undefined for leaves/refs.
 * `goType` names a struct compiled from a named (built-in) schema.
 */
function shellFor(schema: Record<string, unknown>, goType?: string): SchemaNode | undefined {
  if (isRecord(schema.properties)) {
    return {
      kind: 'struct',
      fields: new Map(),
      preserveUnknown: schema['x-kubernetes-preserve-unknown-fields'] === true,
      ...(goType === undefined ? {} : { goType }),
    };
  }
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    return { kind: 'map', value: RAW_NODE };
  }
  if (schema.items !== undefined) {
    return { kind: 'list', item: RAW_NODE };
  }
  return undefined;
}

function fill(
  schemas: OpenAPISchemas,
  cache: Cache,
  schema: Record<string, unknown>,
  node: SchemaNode,
): void {
  if (node.kind === 'struct') {
    const props = schema.properties as Record<string, unknown>;
    for (const [field, sub] of Object.entries(props)) {
      node.fields.set(field, compile(schemas, cache, sub));
    }
    if (schema['x-kubernetes-embedded-resource'] === true) {
      for (const f of ['apiVersion', 'kind']) if (!node.fields.has(f)) node.fields.set(f, RAW_NODE);
      if (!node.fields.has('metadata')) {
        node.fields.set('metadata', compileNamed(schemas, cache, OBJECT_META));
      }
    }
  } else if (node.kind === 'map') {
    const ap = schema.additionalProperties;
    node.value = ap === true ? ANY_NODE : compile(schemas, cache, ap);
  } else if (node.kind === 'list') {
    node.item = compile(schemas, cache, schema.items);
  }
}

function refName(schema: Record<string, unknown>): string | undefined {
  let ref = schema.$ref;
  if (typeof ref !== 'string' && Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    const only: unknown = schema.allOf[0];
    if (isRecord(only)) ref = only.$ref;
  }
  if (typeof ref !== 'string') return undefined;
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}

function compile(schemas: OpenAPISchemas, cache: Cache, schema: unknown): SchemaNode {
  if (!isRecord(schema)) return schema === true ? ANY_NODE : RAW_NODE;
  const ref = refName(schema);
  if (ref !== undefined) return compileNamed(schemas, cache, ref);
  const scalar = scalarOf(schema);
  if (scalar !== undefined) return scalarNode(scalar);
  const shell = shellFor(schema);
  if (shell === undefined) {
    // An object with no declared structure: opaque for built-ins (custom unmarshalers), but a
    // CRD's `x-kubernetes-preserve-unknown-fields` object holds arbitrary JSON.
    return schema['x-kubernetes-preserve-unknown-fields'] === true ? ANY_NODE : RAW_NODE;
  }
  fill(schemas, cache, schema, shell);
  return shell;
}

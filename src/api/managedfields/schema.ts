/**
 * The structural type model server-side apply works on (upstream structured-merge-diff schema
 * package), built from OpenAPI v3 schemas with the rules of kube-openapi's schemaconv:
 *
 * - `x-kubernetes-list-type` atomic | set | map (+ `x-kubernetes-list-map-keys`); without it,
 *   `x-kubernetes-patch-strategy: merge` makes an associative list keyed by
 *   `x-kubernetes-patch-merge-key` (a set when there is no key), anything else is atomic;
 * - `x-kubernetes-map-type` granular (default) | atomic, also for structs;
 * - `x-kubernetes-int-or-string`, `oneOf`, `anyOf` and scalar `type`s are scalars;
 * - `x-kubernetes-preserve-unknown-fields` and schemas with no type information are
 *   "deduced" (upstream DeducedParseableType): maps are granular, lists atomic.
 */

/** An untyped value: its kind decides (objects granular maps, arrays atomic lists). */
export interface DeducedType {
  readonly kind: 'deduced';
}

/** A scalar leaf (string, number, boolean, int-or-string, quantity...). */
export interface ScalarType {
  readonly kind: 'scalar';
}

/**
 * A struct or a map (upstream schema.Map): declared `fields` and/or an `elem` type for other
 * keys. `atomic` maps are leaves. `alwaysPresent` names struct fields that a Go object always
 * serialises (non-pointer structs), which upstream therefore never sees added or removed.
 */
export interface MapType {
  readonly kind: 'map';
  fields: Map<string, TypeNode>;
  elem: TypeNode | undefined;
  atomic: boolean;
  alwaysPresent: ReadonlySet<string>;
  /** Scalar defaults of fields, used for missing associative list keys. */
  defaults: Map<string, unknown>;
  /**
   * True for built-in types (compiled by newTypeResolver): objects of this type live as Go
   * structs upstream, so null fields vanish after an apply.
   */
  goObject?: boolean;
}

/** A list: atomic (a leaf), a set (items keyed by value) or a map (items keyed by `keys`). */
export interface ListType {
  readonly kind: 'list';
  elem: TypeNode;
  relationship: 'atomic' | 'set' | 'map';
  keys: readonly string[];
}

/** A compiled type. Nodes are shared and must not be modified after compilation. */
export type TypeNode = DeducedType | ScalarType | MapType | ListType;

/** The deduced type singleton. */
export const DEDUCED: DeducedType = { kind: 'deduced' };
const SCALAR: ScalarType = { kind: 'scalar' };

/** Resolves named component schemas into compiled types (cached per resolver). */
export interface TypeResolver {
  /**
   * The type of a component schema (`io.k8s.api.apps.v1.Deployment`), or undefined when the
   * resolver has no schema of that name. Repeated calls return the same node.
   */
  typeFor(schemaName: string): TypeNode | undefined;
}

/** The schema name of ObjectMeta, which custom resources' `metadata` uses. */
export const OBJECT_META_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Struct fields that built-in Go types hold by value rather than by pointer, so the API server
 * always serialises them (as `{}` at least). Our generated schemas do not say which fields are
 * pointers; `default: {}` on a field (what openapi-gen emits for value structs) also counts.
 */
const VALUE_STRUCT_FIELDS: ReadonlySet<string> = new Set([
  'metadata',
  'spec',
  'status',
  'template',
  'jobTemplate',
  'strategy',
  'updateStrategy',
]);

/**
 * Upstream types marked `+structType=atomic` / `+mapType=atomic` whose markers our generated
 * schemas may lack (they carry no `x-kubernetes-map-type`). Keyed by schema name suffix.
 */
const ATOMIC_STRUCTS: ReadonlySet<string> = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'io.k8s.api.core.v1.LocalObjectReference',
  'io.k8s.api.core.v1.ObjectReference',
  'io.k8s.api.core.v1.TypedLocalObjectReference',
  'io.k8s.api.core.v1.TypedObjectReference',
  'io.k8s.api.core.v1.SecretReference',
  'io.k8s.api.core.v1.ConfigMapKeySelector',
  'io.k8s.api.core.v1.SecretKeySelector',
  'io.k8s.api.core.v1.ObjectFieldSelector',
  'io.k8s.api.core.v1.ResourceFieldSelector',
  'io.k8s.api.core.v1.FileKeySelector',
  'io.k8s.api.core.v1.NodeSelector',
  'io.k8s.api.core.v1.NodeSelectorTerm',
  'io.k8s.api.core.v1.TopologySelectorTerm',
]);

/**
 * Map fields upstream marks `+mapType=atomic` (selectors replaced as a whole), keyed
 * `<schema name>.<field>`, for the same reason as ATOMIC_STRUCTS.
 */
const ATOMIC_MAP_FIELDS: ReadonlySet<string> = new Set([
  'io.k8s.api.core.v1.PodSpec.nodeSelector',
  'io.k8s.api.core.v1.ServiceSpec.selector',
  'io.k8s.api.core.v1.ReplicationControllerSpec.selector',
]);

type Schema = Readonly<Record<string, unknown>>;

function asSchema(v: unknown): Schema | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Schema) : undefined;
}

function refName(s: Schema): string | undefined {
  const direct = s['$ref'];
  if (typeof direct === 'string') return direct.slice(direct.lastIndexOf('/') + 1);
  const allOf = s['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1) {
    const inner = asSchema(allOf[0]);
    const r = inner?.['$ref'];
    if (typeof r === 'string') return r.slice(r.lastIndexOf('/') + 1);
  }
  return undefined;
}

interface CompileContext {
  named(name: string): TypeNode | undefined;
  /** Whether Go value-struct semantics apply (built-in types only). */
  goStructs: boolean;
}

function compile(s: Schema | undefined, ctx: CompileContext, name?: string): TypeNode {
  if (s === undefined) return DEDUCED;
  const ref = refName(s);
  if (ref !== undefined) return ctx.named(ref) ?? DEDUCED;
  if (s['x-kubernetes-int-or-string'] === true) return SCALAR;
  const type = s['type'];
  const props = asSchema(s['properties']);
  const additional = s['additionalProperties'];
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (type === 'array') {
    return compileList(s, ctx);
  }
  if (type === 'object' || props !== undefined || asSchema(additional) !== undefined) {
    const m: MapType = {
      kind: 'map',
      fields: new Map(),
      elem: undefined,
      atomic:
        s['x-kubernetes-map-type'] === 'atomic' || (name !== undefined && ATOMIC_STRUCTS.has(name)),
      alwaysPresent: new Set(),
      defaults: new Map(),
    };
    fillMap(m, s, props, additional, preserve, ctx);
    return m;
  }
  if (typeof type === 'string') return SCALAR;
  if (s['oneOf'] !== undefined || s['anyOf'] !== undefined) return SCALAR;
  return DEDUCED;
}

function fillMap(
  m: MapType,
  s: Schema,
  props: Schema | undefined,
  additional: unknown,
  preserve: boolean,
  ctx: CompileContext,
  owner?: string,
): void {
  const always = new Set<string>();
  if (props !== undefined) {
    for (const [field, raw] of Object.entries(props)) {
      const fs = asSchema(raw);
      const ft = compile(fs, ctx);
      if (
        owner !== undefined &&
        ft.kind === 'map' &&
        fs !== undefined &&
        refName(fs) === undefined &&
        ATOMIC_MAP_FIELDS.has(`${owner}.${field}`)
      ) {
        ft.atomic = true;
      }
      m.fields.set(field, ft);
      if (fs === undefined) continue;
      const def = fs['default'];
      if (def !== undefined && (typeof def !== 'object' || def === null))
        m.defaults.set(field, def);
      if (
        ctx.goStructs &&
        refName(fs) !== undefined &&
        (VALUE_STRUCT_FIELDS.has(field) ||
          (asSchema(def) !== undefined && Object.keys(def as object).length === 0))
      ) {
        always.add(field);
      }
    }
  }
  const add = asSchema(additional);
  if (add !== undefined) m.elem = compile(add, ctx);
  else if (additional === true || preserve) m.elem = DEDUCED;
  else if (props === undefined) m.elem = DEDUCED;
  m.alwaysPresent = always;
}

function compileList(s: Schema, ctx: CompileContext): ListType {
  const elem = compile(asSchema(s['items']), ctx);
  const listType = s['x-kubernetes-list-type'];
  let relationship: ListType['relationship'] = 'atomic';
  let keys: string[] = [];
  if (listType === 'map') {
    relationship = 'map';
    const k = s['x-kubernetes-list-map-keys'];
    keys = Array.isArray(k) ? k.filter((x): x is string => typeof x === 'string') : [];
  } else if (listType === 'set') {
    relationship = 'set';
  } else if (listType === undefined) {
    const strategy = s['x-kubernetes-patch-strategy'];
    if (strategy === 'merge' || strategy === 'merge,retainKeys') {
      const key = s['x-kubernetes-patch-merge-key'];
      if (typeof key === 'string') {
        relationship = 'map';
        keys = [key];
      } else {
        relationship = 'set';
      }
    }
  }
  if (relationship === 'map' && keys.length === 0) relationship = 'set';
  return { kind: 'list', elem, relationship, keys };
}

/**
 * A resolver over OpenAPI v3 component schemas keyed by upstream name (the `schemas` object of
 * src/apiserver/openapi/schemas.generated.json). Types compile lazily on first use and are
 * cached for the resolver's lifetime; recursive schemas are supported.
 */
export function newTypeResolver(schemas: Readonly<Record<string, object>>): TypeResolver {
  const cache = new Map<string, TypeNode>();
  const ctx: CompileContext = {
    goStructs: true,
    named(name: string): TypeNode | undefined {
      const hit = cache.get(name);
      if (hit !== undefined) return hit;
      const s = asSchema(schemas[name]);
      if (s === undefined) return undefined;
      if (refName(s) === undefined && (s['type'] === 'object' || s['properties'] !== undefined)) {
        // Register the node before compiling its fields so recursive references resolve.
        const m: MapType = {
          kind: 'map',
          fields: new Map(),
          elem: undefined,
          atomic: s['x-kubernetes-map-type'] === 'atomic' || ATOMIC_STRUCTS.has(name),
          alwaysPresent: new Set(),
          defaults: new Map(),
          goObject: true,
        };
        cache.set(name, m);
        fillMap(
          m,
          s,
          asSchema(s['properties']),
          s['additionalProperties'],
          s['x-kubernetes-preserve-unknown-fields'] === true,
          ctx,
          name,
        );
        return m;
      }
      const t = compile(s, ctx, name);
      cache.set(name, t);
      return t;
    },
  };
  return { typeFor: (name) => ctx.named(name) };
}

/**
 * The type of a custom resource from its version's `openAPIV3Schema` (a structural schema
 * without $refs). `metadata` is typed as ObjectMeta through `objectMeta` (pass
 * `resolver.typeFor(OBJECT_META_SCHEMA)`); without a schema the whole object is deduced.
 * The caller caches the result per CRD version (this function compiles every call).
 */
export function typeFromCustomResourceSchema(
  openAPIV3Schema: object | undefined,
  objectMeta: TypeNode | undefined,
): TypeNode {
  const s = asSchema(openAPIV3Schema);
  const root: MapType = {
    kind: 'map',
    fields: new Map(),
    elem: undefined,
    atomic: false,
    alwaysPresent: new Set(),
    defaults: new Map(),
  };
  const ctx: CompileContext = { goStructs: false, named: () => undefined };
  if (s !== undefined) {
    fillMap(
      root,
      s,
      asSchema(s['properties']),
      s['additionalProperties'],
      s['x-kubernetes-preserve-unknown-fields'] === true,
      ctx,
    );
  } else {
    root.elem = DEDUCED;
  }
  root.fields.set('apiVersion', SCALAR);
  root.fields.set('kind', SCALAR);
  root.fields.set('metadata', objectMeta ?? DEDUCED);
  return root;
}

/**
 * OpenAPI v3 documents (`/openapi/v3` root and one document per group-version), in the shape
 * kube-apiserver 1.32 serves them: `paths` with the item, collection and subresource operations
 * of every resource (`x-kubernetes-group-version-kind`, `x-kubernetes-action`, the
 * `dryRun`/`fieldManager`/`fieldValidation` parameters kubectl's validation looks for), and
 * `components.schemas` with every schema the kinds reach. The schemas come from
 * schemas.generated.json (scripts/gen-openapi); they are what `kubectl explain` renders and what
 * client-side `kubectl apply` reads its strategic-merge tags from.
 *
 * Kinds without a generated schema (custom resources) get operations without schemas and without
 * the strategic-merge content type: kubectl then falls back to a JSON merge patch, which is right
 * for them (kubectl-wire.md §3.3-3.4).
 *
 * Nothing is built or read at start-up: the documents are built on first access and then kept.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crdSchemaName, type ResourceInfo, type Scheme } from '../../api/index.ts';
import { schemaNameOf } from './schema-names.ts';

/** The served documents. Building happens on first access of either property. */
export interface OpenApiDocs {
  /** The root document: `{ paths: { 'api/v1': { serverRelativeURL } } }`. */
  readonly root: object;
  /** Group-version path ('api/v1', 'apis/apps/v1') → serialized document and its hash. */
  readonly byPath: Map<string, { body: string; hash: string }>;
}

/** A JSON value. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** One OpenAPI schema or operation object. */
type JsonObject = { [key: string]: Json };

/** Request and response types that every group-version document references. */
export const COMMON_SCHEMAS: readonly string[] = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
];

/** The generated file's shape (see scripts/gen-openapi/build.ts). */
export interface GeneratedSchemas {
  /** Where the schemas were read from (`kubernetes-types@x.y.z`). */
  readonly source: string;
  /** Component schemas by upstream name. */
  readonly schemas: Readonly<Record<string, JsonObject>>;
}

let generated: GeneratedSchemas | undefined;

/**
 * The generated component schemas, read and parsed once (shared and not to be modified). The
 * file sits beside this module in src/; the build (esbuild, bundled into dist/cmd/) does not copy
 * it, so from there the checkout's src/ copy is used.
 */
export function generatedSchemas(): GeneratedSchemas {
  if (generated !== undefined) return generated;
  const candidates = [
    new URL('./schemas.generated.json', import.meta.url),
    new URL('../../src/apiserver/openapi/schemas.generated.json', import.meta.url),
  ];
  let text: string | undefined;
  let firstError: unknown;
  for (const url of candidates) {
    try {
      text = readFileSync(url, 'utf8');
      break;
    } catch (err) {
      firstError ??= err;
    }
  }
  if (text === undefined) {
    throw new Error('openapi: schemas.generated.json not found', { cause: firstError });
  }
  generated = JSON.parse(text) as GeneratedSchemas;
  return generated;
}

/**
 * Returns the documents for the scheme's resources. Cheap: the documents are built when `root`
 * or `byPath` is first read (the first `/openapi` request), from the scheme as it is then, and
 * kept. Call again when the scheme changes (CRDs) to get fresh documents. `extraSchemas` adds
 * component schemas (custom resources') to the generated ones.
 */
export function buildOpenApiV3(
  scheme: Scheme,
  kubernetesVersion: string,
  extraSchemas?: () => Readonly<Record<string, object>>,
): OpenApiDocs {
  let built: { root: object; byPath: Map<string, { body: string; hash: string }> } | undefined;
  const schemas = (): Readonly<Record<string, JsonObject>> => {
    const extra = extraSchemas?.();
    const base = generatedSchemas().schemas;
    return extra === undefined || Object.keys(extra).length === 0
      ? base
      : { ...base, ...(extra as Record<string, JsonObject>) };
  };
  const get = (): { root: object; byPath: Map<string, { body: string; hash: string }> } =>
    (built ??= buildNow(scheme, kubernetesVersion, schemas()));
  return {
    get root(): object {
      return get().root;
    },
    get byPath(): Map<string, { body: string; hash: string }> {
      return get().byPath;
    },
  };
}

/** Builds every document at once (exported for tests and measurements). */
export function buildNow(
  scheme: Scheme,
  kubernetesVersion: string,
  schemas: Readonly<Record<string, JsonObject>>,
): { root: object; byPath: Map<string, { body: string; hash: string }> } {
  const byPath = new Map<string, { body: string; hash: string }>();
  for (const gvs of scheme.groupVersions()) {
    for (const version of gvs.versions) {
      const doc = groupVersionDocument(scheme, gvs.group, version, kubernetesVersion, schemas);
      const body = JSON.stringify(doc);
      const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
      const base = gvs.group === '' ? `api/${version}` : `apis/${gvs.group}/${version}`;
      byPath.set(base, { body, hash });
    }
  }
  const root: Record<string, object> = {};
  for (const [path, { hash }] of byPath) {
    root[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { root: { paths: root }, byPath };
}

/** Subresources served through connect handlers (streams, proxies, logs): no schema upstream. */
const CONNECT_SUBRESOURCES: ReadonlySet<string> = new Set([
  'attach',
  'exec',
  'log',
  'portforward',
  'proxy',
]);

const JSON_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const REF_PREFIX = '#/components/schemas/';

function ref(name: string): JsonObject {
  return { $ref: REF_PREFIX + name };
}

function queryParam(
  name: string,
  type: 'string' | 'boolean' | 'integer',
  description: string,
): JsonObject {
  return { description, in: 'query', name, schema: { type, uniqueItems: true } };
}

const PARAM_DRY_RUN = queryParam(
  'dryRun',
  'string',
  'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
);
const PARAM_FIELD_MANAGER = queryParam(
  'fieldManager',
  'string',
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
);
const PARAM_FIELD_VALIDATION = queryParam(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
);
const PARAM_FORCE = queryParam(
  'force',
  'boolean',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
);
const PARAM_PRETTY = queryParam(
  'pretty',
  'string',
  "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
);
const DELETE_PARAMS: JsonObject[] = [
  PARAM_DRY_RUN,
  queryParam(
    'gracePeriodSeconds',
    'integer',
    'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  ),
  queryParam(
    'orphanDependents',
    'boolean',
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  ),
  queryParam(
    'propagationPolicy',
    'string',
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  ),
];
const LIST_PARAMS: JsonObject[] = [
  queryParam(
    'allowWatchBookmarks',
    'boolean',
    'allowWatchBookmarks requests watch events with type "BOOKMARK".',
  ),
  queryParam(
    'continue',
    'string',
    'The continue option should be set when retrieving more results from the server.',
  ),
  queryParam(
    'fieldSelector',
    'string',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  queryParam(
    'labelSelector',
    'string',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  queryParam(
    'limit',
    'integer',
    'limit is a maximum number of responses to return for a list call.',
  ),
  queryParam(
    'resourceVersion',
    'string',
    'resourceVersion sets a constraint on what resource versions a request may be served from.',
  ),
  queryParam(
    'resourceVersionMatch',
    'string',
    'resourceVersionMatch determines how resourceVersion is applied to list calls.',
  ),
  queryParam(
    'sendInitialEvents',
    'boolean',
    '`sendInitialEvents=true` may be set together with `watch=true`.',
  ),
  queryParam('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  queryParam(
    'watch',
    'boolean',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
  ),
];

function pathParam(name: string, description: string): JsonObject {
  return {
    description,
    in: 'path',
    name,
    required: true,
    schema: { type: 'string', uniqueItems: true },
  };
}

/** `content` with the same schema (or none) under each media type. */
function content(types: readonly string[], schema: string | undefined): JsonObject {
  const out: JsonObject = {};
  for (const t of types) out[t] = schema === undefined ? {} : { schema: ref(schema) };
  return out;
}

function responses(codes: readonly string[], schema: string | undefined): JsonObject {
  const out: JsonObject = {};
  const text: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
  for (const code of codes) {
    out[code] = { content: content(JSON_TYPES, schema), description: text[code] ?? 'OK' };
  }
  out['401'] = { description: 'Unauthorized' };
  return out;
}

/** `rbac.authorization.k8s.io`, `v1` → `RbacAuthorizationV1` (upstream operationId infix). */
function operationInfix(group: string, version: string): string {
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const g =
    group === ''
      ? 'Core'
      : group
          .replace(/\.k8s\.io$/, '')
          .split('.')
          .map(cap)
          .join('');
  return g + cap(version);
}

function tagOf(group: string, version: string): string {
  return `${group === '' ? 'core' : group.replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${version}`;
}

interface OpContext {
  readonly group: string;
  readonly version: string;
  readonly gvk: JsonObject;
  readonly infix: string;
  readonly namespaced: string;
  readonly kind: string;
  readonly schema: string | undefined;
  readonly smp: boolean;
}

function operation(
  ctx: OpContext,
  action: string,
  verb: string,
  description: string,
  extra: JsonObject,
): JsonObject {
  return {
    description,
    operationId: `${verb}${ctx.infix}${ctx.namespaced}${ctx.kind}`,
    ...extra,
    tags: [tagOf(ctx.group, ctx.version)],
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': ctx.gvk,
  };
}

function writeBody(schema: string | undefined): JsonObject {
  return { content: content(['*/*'], schema), required: true };
}

function patchBody(smp: boolean): JsonObject {
  const types = [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
    ...(smp ? ['application/strategic-merge-patch+json'] : []),
  ];
  return { content: content(types, 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch'), required: true };
}

/** The item operations (get/put/patch) of a resource or an object subresource. */
function itemOps(
  ctx: OpContext,
  verbs: readonly string[],
  what: string,
  suffix: string,
): JsonObject {
  const ops: JsonObject = {};
  if (verbs.includes('get')) {
    ops.get = operation(ctx, 'get', `read${suffix}`, `read ${what} of the specified ${ctx.kind}`, {
      responses: responses(['200'], ctx.schema),
    });
  }
  if (verbs.includes('update')) {
    ops.put = operation(
      ctx,
      'put',
      `replace${suffix}`,
      `replace ${what} of the specified ${ctx.kind}`,
      {
        parameters: [PARAM_DRY_RUN, PARAM_FIELD_MANAGER, PARAM_FIELD_VALIDATION],
        requestBody: writeBody(ctx.schema),
        responses: responses(['200', '201'], ctx.schema),
      },
    );
  }
  if (verbs.includes('patch')) {
    ops.patch = operation(
      ctx,
      'patch',
      `patch${suffix}`,
      `partially update ${what} of the specified ${ctx.kind}`,
      {
        parameters: [PARAM_DRY_RUN, PARAM_FIELD_MANAGER, PARAM_FIELD_VALIDATION, PARAM_FORCE],
        requestBody: patchBody(ctx.smp),
        responses: responses(['200', '201'], ctx.schema),
      },
    );
  }
  return ops;
}

function resourcePaths(
  r: ResourceInfo,
  base: string,
  schemas: Readonly<Record<string, JsonObject>>,
  paths: Record<string, JsonObject>,
  roots: Set<string>,
): void {
  // Built-in kinds by their Go package name; custom resources by apiextensions' name
  // (reversed group: `com.example.stable.v1.CronTab`).
  const known = (kind: string): string | undefined => {
    const builtin = schemaNameOf(r.group, r.version, kind);
    if (builtin in schemas) return builtin;
    const custom = crdSchemaName(r.group, r.version, kind);
    return custom in schemas ? custom : undefined;
  };
  const kindSchema = known(r.kind);
  const listSchema = known(r.listKind);
  for (const s of [kindSchema, listSchema]) if (s !== undefined) roots.add(s);
  const ctx: OpContext = {
    group: r.group,
    version: r.version,
    gvk: { group: r.group, kind: r.kind, version: r.version },
    infix: operationInfix(r.group, r.version),
    namespaced: r.namespaced ? 'Namespaced' : '',
    kind: r.kind,
    schema: kindSchema,
    // Strategic merge only for built-in kinds; kubectl merge-patches custom resources.
    smp: kindSchema !== undefined && kindSchema === schemaNameOf(r.group, r.version, r.kind),
  };
  const collection = r.namespaced
    ? `${base}/namespaces/{namespace}/${r.resource}`
    : `${base}/${r.resource}`;
  const item = `${collection}/{name}`;
  const scopeParams = r.namespaced
    ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')]
    : [];
  const nameParam = pathParam('name', `name of the ${r.kind}`);

  const coll: JsonObject = {};
  if (r.verbs.includes('delete') && r.verbs.includes('deletecollection')) {
    coll.delete = operation(
      ctx,
      'deletecollection',
      'deleteCollection',
      `delete collection of ${r.kind}`,
      {
        parameters: [
          ...DELETE_PARAMS,
          ...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'),
        ],
        requestBody: {
          content: content(['*/*'], 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'),
        },
        responses: responses(['200'], 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'),
      },
    );
  }
  if (r.verbs.includes('list')) {
    coll.get = operation(ctx, 'list', 'list', `list or watch objects of kind ${r.kind}`, {
      parameters: LIST_PARAMS,
      responses: responses(['200'], listSchema),
    });
  }
  if (r.verbs.includes('create')) {
    coll.post = operation(ctx, 'post', 'create', `create a ${r.kind}`, {
      parameters: [PARAM_DRY_RUN, PARAM_FIELD_MANAGER, PARAM_FIELD_VALIDATION],
      requestBody: writeBody(kindSchema),
      responses: responses(['200', '201', '202'], kindSchema),
    });
  }
  if (Object.keys(coll).length > 0) {
    paths[collection] = { ...coll, parameters: [...scopeParams, PARAM_PRETTY] };
  }

  const itemPath: JsonObject = itemOps(ctx, r.verbs, r.kind, '');
  if (r.verbs.includes('delete')) {
    itemPath.delete = operation(ctx, 'delete', 'delete', `delete a ${r.kind}`, {
      parameters: DELETE_PARAMS,
      requestBody: {
        content: content(['*/*'], 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'),
      },
      responses: responses(
        ['200', '202'],
        kindSchema ?? 'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
      ),
    });
  }
  if (Object.keys(itemPath).length > 0) {
    paths[item] = { ...itemPath, parameters: [nameParam, ...scopeParams, PARAM_PRETTY] };
  }

  if (r.namespaced && r.verbs.includes('list')) {
    paths[`${base}/${r.resource}`] = {
      get: operation(
        { ...ctx, namespaced: '' },
        'list',
        'list',
        `list or watch objects of kind ${r.kind}`,
        {
          operationId: `list${ctx.infix}${r.kind}ForAllNamespaces`,
          responses: responses(['200'], listSchema),
        },
      ),
      parameters: [...LIST_PARAMS, PARAM_PRETTY],
    };
  }

  for (const sub of r.subresources) {
    if (CONNECT_SUBRESOURCES.has(sub.name)) continue;
    const subName = schemaNameOf(sub.group, sub.version, sub.kind);
    const subSchema =
      sub.group === r.group && sub.version === r.version && sub.kind === r.kind
        ? kindSchema
        : subName in schemas
          ? subName
          : undefined;
    if (subSchema !== undefined) roots.add(subSchema);
    const subCtx: OpContext = {
      ...ctx,
      gvk: { group: sub.group, kind: sub.kind, version: sub.version },
      schema: subSchema,
      smp: subSchema !== undefined,
    };
    const suffix = sub.name.charAt(0).toUpperCase() + sub.name.slice(1);
    const ops: JsonObject = itemOps({ ...subCtx, kind: r.kind }, sub.verbs, sub.name, '');
    // Upstream ids end with the subresource: readNamespacedDeploymentStatus, ...
    for (const op of Object.values(ops)) {
      if (op !== null && typeof op === 'object' && !Array.isArray(op)) {
        const id = op.operationId;
        if (typeof id === 'string') op.operationId = id + suffix;
      }
    }
    if (sub.verbs.includes('create')) {
      ops.post = operation(subCtx, 'post', 'create', `create ${sub.kind} of a ${r.kind}`, {
        operationId: `create${ctx.infix}${ctx.namespaced}${r.kind}${suffix}`,
        parameters: [PARAM_DRY_RUN, PARAM_FIELD_MANAGER, PARAM_FIELD_VALIDATION],
        requestBody: writeBody(subSchema),
        responses: responses(['200', '201', '202'], subSchema),
      });
    }
    if (Object.keys(ops).length > 0) {
      paths[`${item}/${sub.name}`] = {
        ...ops,
        parameters: [pathParam('name', `name of the ${sub.kind}`), ...scopeParams, PARAM_PRETTY],
      };
    }
  }
}

/** Adds to `names` every schema reachable from it through `$ref`s. */
function closure(names: Set<string>, schemas: Readonly<Record<string, JsonObject>>): void {
  const queue = [...names];
  const visit = (value: Json): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) {
          const name = v.slice(REF_PREFIX.length);
          if (!names.has(name) && name in schemas) {
            names.add(name);
            queue.push(name);
          }
        } else {
          visit(v);
        }
      }
    }
  };
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    const schema = schemas[name];
    if (schema !== undefined) visit(schema);
  }
}

/** One group-version document. */
export function groupVersionDocument(
  scheme: Scheme,
  group: string,
  version: string,
  kubernetesVersion: string,
  schemas: Readonly<Record<string, JsonObject>>,
): JsonObject {
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Record<string, JsonObject> = {};
  const roots = new Set<string>(COMMON_SCHEMAS.filter((n) => n in schemas));
  for (const r of scheme.resourcesFor({ group, version })) {
    resourcePaths(r, base, schemas, paths, roots);
  }
  closure(roots, schemas);
  const componentSchemas: Record<string, JsonObject> = {};
  for (const name of [...roots].sort()) {
    const schema = schemas[name];
    if (schema !== undefined) componentSchemas[name] = schema;
  }
  const sortedPaths: Record<string, JsonObject> = {};
  for (const p of Object.keys(paths).sort()) {
    const v = paths[p];
    if (v !== undefined) sortedPaths[p] = v;
  }
  return {
    components: { schemas: componentSchemas },
    info: { title: 'Kubernetes', version: kubernetesVersion },
    openapi: '3.0.0',
    paths: sortedPaths,
  };
}

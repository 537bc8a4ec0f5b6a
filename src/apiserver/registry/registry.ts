/**
 * The generic registry: one instance per resource, implementing the verbs over Storage with
 * Kubernetes' generic semantics (k8s.io/apiserver/pkg/registry/generic/registry/store.go and
 * pkg/registry/rest create.go/update.go/delete.go). Resource specifics come from a
 * ResourceStrategy; defaulting, validation and patching from src/api.
 */
import { randomUUID } from 'node:crypto';
import {
  StatusError,
  generateName,
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newForbidden,
  newInvalid,
  newNotFound,
  newPath,
  parseFieldSelector,
  parseSelector,
  storageKey,
  storageListPrefix,
  validateObjectMeta,
  validateObjectMetaUpdate,
  type FieldError,
  type GroupResource,
  type ResourceInfo,
  warningsForObject,
  DEDUCED_TYPE,
  YamlSyntaxError,
  applyObject,
  applyStrictOutcome,
  fieldSetFromPaths,
  managerFromUserAgent,
  parseYamlStrict,
  trackUpdate,
  type FieldSet,
  type FieldValidationDirective,
  type TypeNode,
} from '../../api/index.ts';
import { isNotFound } from '../../api/index.ts';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { Predicate, Storage, StoredObject, Watcher } from '../../storage/index.ts';
import { StorageError } from '../../storage/index.ts';
import type { UserInfo } from '../user.ts';
import { interpretStorageError } from '../storage-errors.ts';
import { selectableFields, supportedFields } from './fields.ts';
import type { ResourceStrategy } from './strategy.ts';

/** Hooks the registry needs from the rest of the server (kept small for testing). */
export interface RegistryHooks {
  /** Applies upstream defaulting in place (scheme defaulters). */
  setDefaults(obj: StoredObject): void;
  /** Type-specific validation on create; [] when valid. */
  validateCreate(obj: StoredObject): FieldError[];
  /** Type-specific validation on update; [] when valid. */
  validateUpdate(obj: StoredObject, old: StoredObject): FieldError[];
  /** Type-specific validation of a status-subresource update; [] when valid. */
  validateStatusUpdate(obj: StoredObject, old: StoredObject): FieldError[];
  /** Fills fields derived at creation (e.g. a Job's selector from its uid). Mutates `obj`. */
  prepareCreate?(info: ResourceInfo, obj: StoredObject): void;
  /** Applies a patch to a copy of `current` (never mutates it). */
  applyPatch(
    patchType: PatchType,
    current: StoredObject,
    patch: Uint8Array,
    meta: { apiVersion: string; kind: string },
  ): StoredObject;
  /** Namespace phase for NamespaceLifecycle: undefined when the namespace does not exist. */
  namespacePhase(namespace: string): Promise<string | undefined>;
  now(): Date;
  /** Called after a delete request was carried out (immediately or by marking). */
  afterDelete?(info: ResourceInfo, result: DeleteResult): void;
  /**
   * Reserves what a new object needs (Service IPs and ports) right before it is stored;
   * returns an undo for when storing fails.
   */
  beforeCreate?(
    info: ResourceInfo,
    obj: StoredObject,
    dryRun: boolean,
  ): Promise<(() => Promise<void>) | undefined>;
  /**
   * Adjusts what an updated object holds (a Service changing type gains or loses node ports
   * and cluster IPs): `undo` reverses the reservations if the write fails, `commit` releases
   * what the old object held once the write succeeded.
   */
  beforeUpdate?(
    info: ResourceInfo,
    obj: StoredObject,
    old: StoredObject,
    dryRun: boolean,
  ): Promise<UpdateAllocation | undefined>;
  /** Adds the zero values upstream's Go encoding shows (`status: {}`, ...) to a prepared object. */
  normalize?(obj: StoredObject): void;
  /**
   * Mutating admission (after defaulting, before the registry's own preparation and
   * validation): returns the object to continue with (`req.object` itself when unchanged).
   * Throws a StatusError to reject.
   */
  admitMutating?(req: AdmissionRequest): Promise<StoredObject | undefined>;
  /** Validating admission (after validation, right before the write). Throws to reject. */
  admitValidating?(req: AdmissionRequest): Promise<void>;
  /**
   * The structural type of the resource's objects for server-side apply and managedFields
   * tracking; undefined (or no hook) means writes record no managedFields and apply treats
   * objects as untyped (granular maps, atomic lists).
   */
  managedFieldsType?(info: ResourceInfo): TypeNode | undefined;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Reservations made for an update; see RegistryHooks.beforeUpdate. */
export interface UpdateAllocation {
  undo(): Promise<void>;
  commit(): Promise<void>;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

export interface WatchQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
  dryRun?: string[];
}

/** One write request's context. Writes the server makes itself carry only `dryRun`. */
export interface WriteOptions {
  dryRun: boolean;
  /** The requesting user; admission runs only for requests that have one. */
  user?: UserInfo;
  /** Receives warnings for the response's `Warning` headers. */
  warn?: (text: string) => void;
  /**
   * Adds an annotation to the request's audit event (upstream admission's AddAnnotation: the
   * first value of a key wins); absent when the request is not audited.
   */
  addAuditAnnotation?: (key: string, value: string) => void;
  /** The request's CreateOptions / UpdateOptions / PatchOptions / DeleteOptions, for admission. */
  admissionOptions?: Record<string, unknown>;
  /**
   * A signal that aborts with the request (webhook calls stop). A function, so that requests
   * that never call a webhook do not pay for an AbortController and a close listener.
   */
  signal?: () => AbortSignal;
  /** PATCH: inspects the patched object before it is prepared (fieldValidation); throws to reject. */
  checkPatched?: (patched: StoredObject) => void;
  /**
   * The request's fieldManager (validated by the handler); when absent or empty the manager
   * comes from `userAgent`, as upstream's managerOrUserAgent.
   */
  fieldManager?: string;
  /** The request's User-Agent header. */
  userAgent?: string;
  /** Server-side apply's `force` (take conflicting fields over). */
  force?: boolean;
  /** Server-side apply: the fieldValidation directive for repeated keys (default Warn). */
  fieldValidation?: FieldValidationDirective;
}

/** What admission sees of one write (see RegistryHooks.admitMutating). */
export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  info: ResourceInfo;
  subresource: string;
  name: string;
  namespace: string;
  /** The new object (CREATE, UPDATE); absent for DELETE. */
  object?: StoredObject;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: StoredObject;
  opts: WriteOptions & { user: UserInfo };
}

export interface ListResponse {
  items: StoredObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface DeleteResult {
  /** The object as deleted, or as now marked for deletion when `deleted` is false. */
  object: StoredObject;
  /** True when the object is gone; false when deletion is pending (finalizers, grace period). */
  deleted: boolean;
}

/** Time as Kubernetes serialises metav1.Time: RFC 3339 with second precision. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ObjectMeta with the fields kubernetes-types marks read-only (server-set) writable. */
type MutableMeta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

/** The object's metadata (created when missing), writable. */
function metaOf(obj: StoredObject): MutableMeta {
  obj.metadata ??= {};
  return obj.metadata;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * Rejects bodies whose metadata does not have ObjectMeta's JSON shape, as upstream's decoder
 * does (400 "cannot unmarshal ..."), before anything reads it.
 */
export function checkObjectShape(obj: unknown, kind: string): asserts obj is StoredObject {
  const bad = (field: string, got: unknown, want: string): never => {
    throw newBadRequest(
      `json: cannot unmarshal ${jsonType(got)} into Go struct field ${kind}.${field} of type ${want}`,
    );
  };
  if (!isPlainObject(obj)) bad('', obj, 'object');
  const o = obj as Record<string, unknown>;
  for (const f of ['apiVersion', 'kind']) {
    if (o[f] !== undefined && o[f] !== null && typeof o[f] !== 'string') bad(f, o[f], 'string');
  }
  const meta = o['metadata'];
  if (meta === undefined || meta === null) return;
  if (!isPlainObject(meta)) bad('metadata', meta, 'v1.ObjectMeta');
  const m = meta as Record<string, unknown>;
  for (const f of [
    'name',
    'generateName',
    'namespace',
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'deletionTimestamp',
  ]) {
    const v = m[f];
    if (v !== undefined && v !== null && typeof v !== 'string') bad(`metadata.${f}`, v, 'string');
  }
  for (const f of ['generation', 'deletionGracePeriodSeconds']) {
    const v = m[f];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v)))
      bad(`metadata.${f}`, v, 'int64');
  }
  for (const f of ['labels', 'annotations']) {
    const v = m[f];
    if (v === undefined || v === null) continue;
    if (!isPlainObject(v)) bad(`metadata.${f}`, v, 'map[string]string');
    for (const val of Object.values(v as Record<string, unknown>)) {
      if (typeof val !== 'string') bad(`metadata.${f}`, val, 'string');
    }
  }
  const fin = m['finalizers'];
  if (fin !== undefined && fin !== null) {
    if (!Array.isArray(fin)) bad('metadata.finalizers', fin, '[]string');
    for (const f of fin as unknown[])
      if (typeof f !== 'string') bad('metadata.finalizers', f, 'string');
  }
  const refs = m['ownerReferences'];
  if (refs !== undefined && refs !== null) {
    if (!Array.isArray(refs)) bad('metadata.ownerReferences', refs, '[]v1.OwnerReference');
    for (const r of refs as unknown[]) {
      if (!isPlainObject(r)) bad('metadata.ownerReferences', r, 'v1.OwnerReference');
      for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
        const v = (r as Record<string, unknown>)[f];
        if (v !== undefined && v !== null && typeof v !== 'string')
          bad(`metadata.ownerReferences.${f}`, v, 'string');
      }
    }
  }
}

/** Upstream's checkName: the body's name must equal the name in the URL (400 otherwise). */
/**
 * The object `name` (in `namespace`, '' for cluster scope) as a consistent read, or undefined
 * when it does not exist; other failures throw. For the API server's own loops and plugins.
 * `fromCache` reads the watch cache instead (resourceVersion 0: cheap, possibly a moment
 * behind, and frozen: do not modify it), as upstream plugins read their informers' listers.
 */
export async function getIfExists(
  registry: ResourceRegistry,
  namespace: string,
  name: string,
  opts: { fromCache?: boolean } = {},
): Promise<StoredObject | undefined> {
  try {
    return await registry.get(namespace, name, opts.fromCache === true ? '0' : undefined);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function checkNameMatchesURL(obj: StoredObject, name: string): void {
  const bodyName = obj.metadata?.name ?? '';
  if (bodyName !== name) {
    throw newBadRequest(
      `the name of the object (${bodyName}) does not match the name on the URL (${name})`,
    );
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** True when `obj` carries managedFields entries (not absent, `[]` or the reset marker `[{}]`). */
function hasManagedFields(obj: StoredObject | undefined): boolean {
  const mf: unknown = obj?.metadata?.managedFields;
  if (!Array.isArray(mf) || mf.length === 0) return false;
  const first: unknown = mf[0];
  return !(mf.length === 1 && isPlainObject(first) && Object.keys(first).length === 0);
}

/** upstream managerOrUserAgent: the fieldManager parameter, else the User-Agent's product. */
function managerOf(opts: WriteOptions): string {
  const m = opts.fieldManager ?? '';
  return m !== '' ? m : managerFromUserAgent(opts.userAgent ?? '');
}

/** Fields no status-subresource write may own besides the top-level ones (upstream status strategies). */
const STATUS_WRITE_META_RESET = ['metadata.labels', 'metadata.annotations'];

function withoutMetaAndStatus(obj: StoredObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) {
    throw newBadRequest(`invalid resource version: ${rv}`);
  }
  return n;
}

export class ResourceRegistry {
  readonly qualifiedResource: GroupResource;
  private readonly fieldNames: Set<string>;
  /** Reset field sets per subresource, for the type they were computed from. */
  private resetCache: { type: TypeNode; sets: Map<string, FieldSet | undefined> } | undefined;

  constructor(
    readonly info: ResourceInfo,
    private readonly storage: Storage,
    private readonly strategy: ResourceStrategy,
    private readonly hooks: RegistryHooks,
    /**
     * The watch cache of this resource, if any: serves watches and resourceVersion=0 reads, and
     * hands writes its copy of the object as their starting point (a stale copy makes the store
     * re-read); consistent reads go to storage.
     */
    private readonly cache?: () => Storage,
  ) {
    this.qualifiedResource = { group: info.group, resource: info.resource };
    this.fieldNames = supportedFields(info.group, info.resource);
  }

  /** A DELETE that removed the object answers with the object rather than a Status. */
  get returnsDeletedObject(): boolean {
    return this.strategy.returnDeletedObject;
  }

  get apiVersion(): string {
    return this.info.group === '' ? this.info.version : `${this.info.group}/${this.info.version}`;
  }

  private key(namespace: string, name: string): string {
    return storageKey(this.info, namespace, name);
  }

  private wrap(err: unknown, name: string): StatusError {
    return interpretStorageError(err, this.qualifiedResource, name);
  }

  private invalid(name: string, errs: FieldError[]): StatusError {
    return newInvalid({ group: this.info.group, kind: this.info.kind }, name, errs);
  }

  /** Checks apiVersion/kind of a body against this endpoint and fills them in. */
  private checkTypeMeta(obj: StoredObject): void {
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== this.info.kind) {
      throw newBadRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${this.info.kind})`,
      );
    }
    if (
      obj.apiVersion !== undefined &&
      obj.apiVersion !== '' &&
      obj.apiVersion !== this.apiVersion
    ) {
      throw newBadRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${this.apiVersion})`,
      );
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.info.kind;
  }

  private checkNamespace(obj: StoredObject, namespace: string): void {
    const meta = (obj.metadata ??= {});
    if (!this.info.namespaced) {
      delete meta.namespace;
      return;
    }
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
      throw newBadRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    meta.namespace = namespace;
  }

  private async checkNamespaceLifecycle(namespace: string): Promise<void> {
    if (!this.info.namespaced) return;
    const phase = await this.hooks.namespacePhase(namespace);
    if (phase === undefined) {
      throw newNotFound({ group: '', resource: 'namespaces' }, namespace);
    }
    if (phase === 'Terminating') {
      throw newForbidden(
        this.qualifiedResource,
        '',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /**
   * Fields a write through `subresource` never owns (upstream strategies' GetResetFields): the
   * main resource of a kind whose status has its own endpoint resets `status`; the status
   * subresource resets every other top-level field and metadata labels and annotations.
   */
  private resetFields(subresource: string, type: TypeNode): FieldSet | undefined {
    if (this.resetCache?.type !== type) this.resetCache = { type, sets: new Map() };
    const sets = this.resetCache.sets;
    if (sets.has(subresource)) return sets.get(subresource);
    let set: FieldSet | undefined;
    if (subresource === '' && this.strategy.statusFromSubresource) {
      set = fieldSetFromPaths('status');
    } else if (subresource === 'status') {
      const top = type.kind === 'map' ? [...type.fields.keys()] : ['spec'];
      const keep = new Set(['apiVersion', 'kind', 'metadata', 'status']);
      set = fieldSetFromPaths(...top.filter((f) => !keep.has(f)), ...STATUS_WRITE_META_RESET);
    }
    sets.set(subresource, set);
    return set;
  }

  /**
   * Records a create (`live` undefined) or non-apply update by a request in
   * metadata.managedFields (upstream FieldManager.UpdateNoErrors): the request's manager owns
   * what it added or changed. As upstream's skipNonAppliedManager, an update of an object
   * without managedFields (or one clearing them with `[]`) leaves it without. Writes the server
   * makes itself (no user) and types without a schema are not tracked.
   */
  private track(
    live: StoredObject | undefined,
    updated: StoredObject,
    subresource: string,
    opts: WriteOptions,
  ): StoredObject {
    if (opts.user === undefined) return updated;
    const type = this.hooks.managedFieldsType?.(this.info);
    if (type === undefined) return updated;
    if (live !== undefined) {
      const fromBody = subresource === '' && hasManagedFields(updated);
      const clears =
        subresource === '' && Array.isArray(updated.metadata?.managedFields) && !fromBody;
      if (clears || (!fromBody && !hasManagedFields(live))) {
        if (updated.metadata?.managedFields !== undefined) delete metaOf(updated).managedFields;
        return updated;
      }
    }
    return trackUpdate({
      live,
      updated,
      manager: managerOf(opts),
      type,
      apiVersion: this.apiVersion,
      now: this.hooks.now(),
      subresource,
      resetFields: this.resetFields(subresource, type),
    });
  }

  /** POST: creates an object (201). `namespace` is the URL's namespace ('' for cluster scope). */
  create(namespace: string, body: StoredObject, opts: WriteOptions): Promise<StoredObject> {
    return this.createObject(namespace, body, opts, true);
  }

  /** create; `track` false when the body's managedFields are already computed (apply). */
  private async createObject(
    namespace: string,
    body: StoredObject,
    opts: WriteOptions,
    track: boolean,
  ): Promise<StoredObject> {
    let obj = body;
    checkObjectShape(obj, this.info.kind);
    this.checkTypeMeta(obj);
    this.checkNamespace(obj, namespace);
    this.hooks.setDefaults(obj);
    // Before mutating admission, as upstream's create handler records the manager.
    if (track) obj = this.track(undefined, obj, '', opts);
    if (opts.user !== undefined && this.hooks.admitMutating !== undefined) {
      obj =
        (await this.hooks.admitMutating({
          operation: 'CREATE',
          info: this.info,
          subresource: '',
          name: obj.metadata?.name ?? '',
          namespace,
          object: obj,
          opts: { ...opts, user: opts.user },
        })) ?? obj;
      checkObjectShape(obj, this.info.kind);
      this.checkNamespace(obj, namespace);
    }
    const meta = metaOf(obj);
    // After mutating admission, as upstream's BeforeCreate does it.
    if ((meta.name ?? '') === '' && (meta.generateName ?? '') !== '') {
      meta.name = generateName(meta.generateName ?? '');
    }
    // Fields only the server sets (upstream rest.FillObjectMetaSystemFields / BeforeCreate).
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.hooks.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (this.strategy.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    this.strategy.prepareForCreate(obj, opts.user);
    this.hooks.prepareCreate?.(this.info, obj);
    await this.checkNamespaceLifecycle(namespace);

    const name = meta.name ?? '';
    const key = this.key(namespace, name);
    // Upstream allocates Service IPs and ports before validation (validation checks them).
    const undo = await this.hooks.beforeCreate?.(this.info, obj, opts.dryRun);
    const errs = [
      ...validateObjectMeta(meta, this.info.namespaced, this.strategy.nameFn, newPath('metadata')),
      ...this.hooks.validateCreate(obj),
      ...(this.strategy.validate?.(obj) ?? []),
    ];
    if (errs.length > 0) {
      await undo?.();
      throw this.invalid(name, errs);
    }
    this.hooks.normalize?.(obj);
    if (opts.warn !== undefined) {
      for (const w of warningsForObject({ group: this.info.group, kind: this.info.kind }, obj)) {
        opts.warn(w);
      }
    }
    if (opts.user !== undefined && this.hooks.admitValidating !== undefined) {
      try {
        await this.hooks.admitValidating({
          operation: 'CREATE',
          info: this.info,
          subresource: '',
          name,
          namespace,
          object: obj,
          opts: { ...opts, user: opts.user },
        });
      } catch (err) {
        await undo?.();
        throw err;
      }
    }
    if (opts.dryRun) {
      const existing = await this.storage.get(key, { ignoreNotFound: true }).catch((e: unknown) => {
        throw this.wrap(e, name);
      });
      if (existing !== undefined) throw newAlreadyExists(this.qualifiedResource, name);
      return obj;
    }
    try {
      return await this.storage.create(key, obj);
    } catch (err) {
      await undo?.();
      throw this.wrap(err, name);
    }
  }

  async get(namespace: string, name: string, resourceVersion?: string): Promise<StoredObject> {
    const rv = parseResourceVersion(resourceVersion);
    const source = rv === 0 && this.cache ? this.cache() : this.storage;
    try {
      return await source.get(
        this.key(namespace, name),
        rv === undefined ? {} : { resourceVersion: rv },
      );
    } catch (err) {
      throw this.wrap(err, name);
    }
  }

  /** Builds the selector predicate of a list or watch; 400 on bad selectors. */
  predicate(labelSelector?: string, fieldSelector?: string): Predicate<StoredObject> | undefined {
    let labels: ReturnType<typeof parseSelector> | undefined;
    let fields: ReturnType<typeof parseFieldSelector> | undefined;
    try {
      if (labelSelector !== undefined && labelSelector !== '')
        labels = parseSelector(labelSelector);
    } catch (err) {
      throw newBadRequest(err instanceof Error ? err.message : String(err));
    }
    try {
      if (fieldSelector !== undefined && fieldSelector !== '')
        fields = parseFieldSelector(fieldSelector);
    } catch (err) {
      throw newBadRequest(err instanceof Error ? err.message : String(err));
    }
    if (fields) {
      for (const r of fields.requirements()) {
        if (!this.fieldNames.has(r.field)) {
          throw newBadRequest(`field label not supported: ${r.field}`);
        }
      }
    }
    if ((labels === undefined || labels.empty()) && (fields === undefined || fields.empty())) {
      return undefined;
    }
    const { group, resource } = this.info;
    return (obj) =>
      (labels === undefined || labels.matches(obj.metadata?.labels ?? {})) &&
      (fields === undefined || fields.matches(selectableFields(group, resource, obj)));
  }

  async list(namespace: string, q: ListQuery): Promise<ListResponse> {
    const predicate = this.predicate(q.labelSelector, q.fieldSelector);
    const rv = parseResourceVersion(q.resourceVersion);
    const match = q.resourceVersionMatch;
    if (match !== undefined && match !== '' && match !== 'NotOlderThan' && match !== 'Exact') {
      throw newBadRequest(
        `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      );
    }
    if (q.continue !== undefined && q.continue !== '' && rv !== undefined && rv !== 0) {
      throw newBadRequest('specifying resource version is not allowed when using continue');
    }
    const paged = (q.limit ?? 0) > 0 || (q.continue ?? '') !== '';
    const source = rv === 0 && !paged && this.cache ? this.cache() : this.storage;
    try {
      const res = await source.list(storageListPrefix(this.info, namespace), {
        ...(rv === undefined ? {} : { resourceVersion: rv }),
        ...(match === 'NotOlderThan' || match === 'Exact' ? { resourceVersionMatch: match } : {}),
        ...(q.limit !== undefined && q.limit > 0 ? { limit: q.limit } : {}),
        ...(q.continue !== undefined && q.continue !== '' ? { continue: q.continue } : {}),
        ...(predicate ? { predicate } : {}),
      });
      const out: ListResponse = { items: res.items, resourceVersion: String(res.resourceVersion) };
      if (res.continue !== undefined) out.continue = res.continue;
      if (res.remainingItemCount !== undefined) out.remainingItemCount = res.remainingItemCount;
      return out;
    } catch (err) {
      throw this.wrap(err, '');
    }
  }

  /**
   * Watches the resource in `namespace` ('' for all). Without `sendInitialEvents`, the legacy
   * semantics: resourceVersion unset → the current state (consistent) then changes; "0" → the
   * cache's state then changes; N → changes after N. With `sendInitialEvents` (the caller has
   * validated `resourceVersionMatch=NotOlderThan`): true → a state not older than N (or the
   * current state for unset, the cache's for "0"), then a bookmark marking its end when
   * `allowWatchBookmarks` is set, then changes; false → changes after N, or from now for unset
   * and "0".
   */
  async watch(
    namespace: string,
    q: WatchQuery,
    signal: AbortSignal,
  ): Promise<Watcher<StoredObject>> {
    const predicate = this.predicate(q.labelSelector, q.fieldSelector);
    const rv = parseResourceVersion(q.resourceVersion);
    const source = this.cache ? this.cache() : this.storage;
    const prefix = storageListPrefix(this.info, namespace);
    const common = {
      recursive: true,
      ...(predicate ? { predicate } : {}),
      progressNotify: q.allowWatchBookmarks === true,
      signal,
    };
    let from = rv;
    if (q.sendInitialEvents === true && rv !== undefined && rv > 0) {
      // "Not older than N": the current state is; a future N fails before the watch starts
      // (504, as for lists), so the client sees an HTTP error rather than an ERROR event.
      const current = await this.storage.currentResourceVersion().catch((err: unknown) => {
        throw this.wrap(err, '');
      });
      if (rv > current) {
        throw this.wrap(
          new StorageError(
            'TooLargeResourceVersion',
            `Too large resource version: ${String(rv)}, current: ${String(current)}`,
            { revision: rv, currentRevision: current },
          ),
          '',
        );
      }
      from = undefined;
    } else if (q.sendInitialEvents === false && (rv === undefined || rv === 0)) {
      from = await this.storage.currentResourceVersion().catch((err: unknown) => {
        throw this.wrap(err, '');
      }); // start at the most recent
    }
    return source.watch(prefix, {
      ...common,
      ...(from === undefined ? {} : { resourceVersion: from }),
      ...(q.sendInitialEvents === true && q.allowWatchBookmarks === true
        ? { initialEventsEnd: true }
        : {}),
    });
  }

  /**
   * Computes the object to store for an update of `current` to `next` (upstream BeforeUpdate):
   * identity and system fields come from `current`; generation bumps on spec changes; the
   * status subresource separates status from the rest.
   */
  private prepareUpdate(
    next: StoredObject,
    current: StoredObject,
    subresource: string,
  ): StoredObject {
    this.checkTypeMeta(next);
    const meta = metaOf(next);
    const old = current.metadata ?? {};
    let obj = next;
    if (subresource === 'finalize') {
      // Only spec.finalizers changes through /finalize.
      const spec = (next['spec'] ?? {}) as { finalizers?: string[] };
      obj = {
        ...clone(current),
        spec: { ...(current['spec'] ?? {}), finalizers: spec.finalizers ?? [] },
      };
      metaOf(obj).resourceVersion = meta.resourceVersion ?? '';
    } else if (
      subresource === 'status' ||
      (this.strategy.updateSubresources?.includes(subresource) ?? false)
    ) {
      // Only status changes through /status (metadata labels/annotations may change too, upstream).
      obj = { ...clone(current), status: next['status'] };
      const m = metaOf(obj);
      if (meta.labels !== undefined) m.labels = meta.labels;
      if (meta.annotations !== undefined) m.annotations = meta.annotations;
      m.resourceVersion = meta.resourceVersion ?? '';
    } else if (this.strategy.statusFromSubresource) {
      if (current['status'] === undefined) delete obj['status'];
      else obj['status'] = clone(current['status']);
    }
    if (this.strategy.specFinalizersFromSubresource && subresource === '') {
      // spec.finalizers change only through /finalize (upstream namespace strategy).
      const oldSpec = (current['spec'] ?? {}) as { finalizers?: string[] };
      obj['spec'] = { ...(obj['spec'] ?? {}), finalizers: oldSpec.finalizers ?? [] };
      if ((oldSpec.finalizers ?? []).length === 0)
        delete (obj['spec'] as { finalizers?: string[] }).finalizers;
    }
    this.strategy.prepareForUpdate?.(obj, current, subresource);
    const m = metaOf(obj);
    if ((m.uid ?? '') === '') m.uid = old.uid ?? '';
    if (old.creationTimestamp !== undefined) m.creationTimestamp = old.creationTimestamp;
    else delete m.creationTimestamp;
    if (old.deletionTimestamp !== undefined) m.deletionTimestamp = old.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (old.deletionGracePeriodSeconds !== undefined)
      m.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    if (this.info.namespaced) m.namespace = old.namespace ?? '';
    if (this.strategy.hasGeneration) {
      m.generation = old.generation ?? 1;
      if (subresource !== 'status' && withoutMetaAndStatus(obj) !== withoutMetaAndStatus(current)) {
        m.generation += 1;
      }
    } else {
      delete m.generation;
    }
    return obj;
  }

  /**
   * The shared read-modify-write of PUT and PATCH: `compute(current)` produces the new object
   * from the stored one; resourceVersion in it is an optimistic-concurrency precondition.
   * `trackAs` is the subresource managedFields record the write under, false when `compute`
   * already set them (apply). `compute` gets a copy of the stored object it may change, unless
   * `computeCopies` says that it never changes its argument and shares nothing with its result
   * (PUT replaces the object, a patch applies to its own copy): a copy per write saved.
   */
  private async updateWith(
    namespace: string,
    name: string,
    subresource: string,
    opts: WriteOptions,
    compute: (current: StoredObject) => StoredObject,
    trackAs: string | false = subresource,
    computeCopies = false,
  ): Promise<StoredObject> {
    const key = this.key(namespace, name);
    let dryRunResult: StoredObject | undefined;
    // Allocations made by an attempt that then lost a conflict are undone before the retry.
    let pending: UpdateAllocation | undefined;
    const undoPending = async (): Promise<void> => {
      const p = pending;
      pending = undefined;
      await p?.undo();
    };
    const tryUpdate = async (current: StoredObject | undefined): Promise<StoredObject> => {
      await undoPending();
      if (current === undefined) throw newNotFound(this.qualifiedResource, name);
      let next = compute(computeCopies ? current : clone(current));
      checkObjectShape(next, this.info.kind);
      const wantRv = next.metadata?.resourceVersion ?? '';
      if (wantRv !== '' && wantRv !== current.metadata?.resourceVersion) {
        throw newConflict(
          this.qualifiedResource,
          name,
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      checkNameMatchesURL(next, name);
      this.hooks.setDefaults(next);
      // Before mutating admission, as upstream's update and patch handlers record the manager.
      const untracked = next;
      if (trackAs !== false) next = this.track(current, next, trackAs, opts);
      const writesManagedFields = trackAs === false || next !== untracked;
      let admitted = next;
      if (opts.user !== undefined && this.hooks.admitMutating !== undefined) {
        admitted =
          (await this.hooks.admitMutating({
            operation: 'UPDATE',
            info: this.info,
            subresource,
            name,
            namespace,
            object: next,
            oldObject: current,
            opts: { ...opts, user: opts.user },
          })) ?? next;
        checkObjectShape(admitted, this.info.kind);
      }
      const obj = this.prepareUpdate(admitted, current, subresource);
      if (writesManagedFields && subresource !== '') {
        // Subresources keep the stored metadata, but managedFields are this write's.
        const mf = admitted.metadata?.managedFields;
        if (mf === undefined) delete metaOf(obj).managedFields;
        else metaOf(obj).managedFields = mf;
      }
      if (subresource === '')
        pending = await this.hooks.beforeUpdate?.(this.info, obj, current, opts.dryRun);
      this.hooks.normalize?.(obj);
      const errs = [
        ...validateObjectMetaUpdate(
          obj.metadata ?? {},
          current.metadata ?? {},
          newPath('metadata'),
        ),
        ...(subresource === 'status'
          ? this.hooks.validateStatusUpdate(obj, current)
          : this.hooks.validateUpdate(obj, current)),
        ...(this.strategy.validateUpdate?.(obj, current, subresource) ?? []),
      ].filter((e) => e.field !== 'metadata.resourceVersion'); // checked above; empty = unconditional
      if (errs.length > 0) throw this.invalid(name, errs);
      if (opts.warn !== undefined && subresource === '') {
        const gk = { group: this.info.group, kind: this.info.kind };
        for (const w of warningsForObject(gk, obj, current)) opts.warn(w);
      }
      if (opts.user !== undefined && this.hooks.admitValidating !== undefined) {
        await this.hooks.admitValidating({
          operation: 'UPDATE',
          info: this.info,
          subresource,
          name,
          namespace,
          object: obj,
          oldObject: current,
          opts: { ...opts, user: opts.user },
        });
      }
      delete metaOf(obj).resourceVersion;
      if (opts.dryRun) {
        dryRunResult = {
          ...obj,
          metadata: { ...obj.metadata, resourceVersion: current.metadata?.resourceVersion ?? '' },
        };
        return current; // unchanged: the store writes nothing
      }
      return obj;
    };
    let updated: StoredObject;
    try {
      // Through the watch cache when there is one: it hands the store its copy of the object
      // (upstream's cachedExisting), so an update needs no read of the store unless that copy
      // is stale (the compare-and-swap fails, or a precondition does; then the store re-reads).
      updated = await (this.cache?.() ?? this.storage).guaranteedUpdate(key, tryUpdate);
    } catch (err) {
      await undoPending();
      throw this.wrap(err, name);
    }
    const done = pending;
    pending = undefined;
    await done?.commit();
    if (dryRunResult !== undefined) return dryRunResult;
    // An update that removed the last finalizer of an object being deleted finishes the
    // deletion (upstream's shouldDeleteDuringUpdate).
    if (
      updated.metadata?.deletionTimestamp !== undefined &&
      (updated.metadata.finalizers ?? []).length === 0
    ) {
      await this.deleteIfFinalized(namespace, updated);
    }
    return updated;
  }

  /** PUT (also of /status). Returns the stored object and whether it was created (201). */
  async update(
    namespace: string,
    name: string,
    body: StoredObject,
    subresource: string,
    opts: WriteOptions,
  ): Promise<{ object: StoredObject; created: boolean }> {
    checkObjectShape(body, this.info.kind);
    this.checkTypeMeta(body);
    checkNameMatchesURL(body, name);
    if (this.info.namespaced) {
      const ns = body.metadata?.namespace;
      if (ns !== undefined && ns !== '' && ns !== namespace) {
        throw newBadRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
    }
    // The body replaces the object: compute copies it (a retry needs it unchanged).
    const put = (): Promise<StoredObject> =>
      this.updateWith(namespace, name, subresource, opts, () => clone(body), subresource, true);
    const createOnUpdate = this.strategy.allowCreateOnUpdate && subresource === '';
    if (createOnUpdate) {
      // The watch cache answers "does it exist?" for the common case (a Lease renewal, an
      // update of something that exists) without a read of the store; only an apparent miss
      // is checked against the store, and an update that finds it gone falls back to a create.
      const key = this.key(namespace, name);
      const cached = await this.cache?.().get(key, { resourceVersion: 0, ignoreNotFound: true });
      const existing =
        cached ??
        (await this.storage.get(key, { ignoreNotFound: true }).catch((e: unknown) => {
          throw this.wrap(e, name);
        }));
      if (existing === undefined) return this.createForUpdate(namespace, body, opts);
      try {
        return { object: await put(), created: false };
      } catch (err) {
        if (cached === undefined || !isNotFound(err)) throw err;
        return this.createForUpdate(namespace, body, opts);
      }
    }
    return { object: await put(), created: false };
  }

  private async createForUpdate(
    namespace: string,
    body: StoredObject,
    opts: WriteOptions,
  ): Promise<{ object: StoredObject; created: boolean }> {
    const copy = clone(body);
    delete metaOf(copy).resourceVersion;
    return { object: await this.create(namespace, copy, opts), created: true };
  }

  /**
   * An update computed from the latest stored object inside the optimistic-concurrency loop
   * (subresources such as scale): `compute` gets a copy of the current object and returns the
   * new one; a resourceVersion it sets is a precondition, as in PUT. Validation applies.
   * `fieldsSubresource` is the subresource managedFields record a request's write under
   * (`scale`); the write is otherwise one of the main resource.
   */
  updateFrom(
    namespace: string,
    name: string,
    compute: (current: StoredObject) => StoredObject,
    opts: WriteOptions,
    fieldsSubresource = '',
  ): Promise<StoredObject> {
    return this.updateWith(namespace, name, '', opts, compute, fieldsSubresource);
  }

  /** Applies a patch to a copy of `obj` (for subresources such as scale). */
  applyPatchTo(
    patchType: PatchType,
    obj: StoredObject,
    patch: Uint8Array,
    meta: { apiVersion: string; kind: string },
  ): StoredObject {
    return this.hooks.applyPatch(patchType, obj, patch, meta);
  }

  /**
   * A server-side read-modify-write of the whole object (subresources such as pods/binding):
   * `fn` gets a copy of the current object and returns the new one. Throws what `fn` throws.
   */
  async transform(
    namespace: string,
    name: string,
    fn: (current: StoredObject) => StoredObject,
    opts: WriteOptions,
  ): Promise<StoredObject> {
    // Like upstream's subresource storage, this writes directly: the main resource's update
    // validation (e.g. pod spec immutability) does not apply to what the server itself changes.
    const key = this.key(namespace, name);
    let result: StoredObject | undefined;
    try {
      // Through the watch cache's copy, as update does: `fn` failing on a stale copy (a pod
      // bound a moment ago) makes the store re-read and retry, so only the current copy decides.
      const source = this.cache?.() ?? this.storage;
      const updated = await source.guaranteedUpdate<StoredObject>(key, (current) => {
        if (current === undefined) throw newNotFound(this.qualifiedResource, name);
        const next = fn(clone(current));
        delete metaOf(next).resourceVersion;
        if (opts.dryRun) {
          result = next;
          return current;
        }
        return next;
      });
      return result ?? updated;
    } catch (err) {
      throw this.wrap(err, name);
    }
  }

  /** PATCH (also of /status). */
  async patch(
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: Uint8Array,
    subresource: string,
    opts: WriteOptions,
  ): Promise<StoredObject> {
    const meta = { apiVersion: this.apiVersion, kind: this.info.kind };
    // Every patch type applies to a copy of its own (applyPatch, the CRD hooks' conversion).
    return this.updateWith(
      namespace,
      name,
      subresource,
      opts,
      (current) => {
        const patched = this.hooks.applyPatch(patchType, current, patch, meta);
        opts.checkPatched?.(patched);
        return patched;
      },
      subresource,
      true,
    );
  }

  /**
   * Server-side apply (PATCH with application/apply-patch+yaml, also of /status): `body` is the
   * applied configuration as YAML or JSON. Creates the object when it does not exist (the
   * main resource only; `created` is then true, 201), else merges the configuration into the
   * stored object inside the optimistic-concurrency loop, with the admission, defaulting,
   * validation, generation and dry-run handling of any patch. `opts.fieldManager` (required,
   * validated by the handler) becomes the applier; `opts.force` takes conflicting fields over.
   * Throws 400 for an unreadable body, a wrong kind or a repeated key under
   * fieldValidation=Strict, 409 listing the conflicts, and what a patch throws.
   */
  async apply(
    namespace: string,
    name: string,
    body: Uint8Array,
    subresource: string,
    opts: WriteOptions,
  ): Promise<{ object: StoredObject; created: boolean }> {
    let parsed: { value: unknown; duplicates: string[] };
    try {
      parsed = parseYamlStrict(new TextDecoder().decode(body));
    } catch (err) {
      if (!(err instanceof YamlSyntaxError)) throw err;
      throw newBadRequest(`error decoding YAML: ${err.message}`);
    }
    const value = parsed.value ?? {};
    if (!isPlainObject(value)) {
      throw newBadRequest(
        `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonType(value)} into Go value of type map[string]interface {}`,
      );
    }
    const type = this.hooks.managedFieldsType?.(this.info) ?? DEDUCED_TYPE;
    const resetFields = this.resetFields(subresource, type);
    // Repeated keys are judged after the apply itself succeeded, as upstream's applyPatcher.
    let strictChecked = false;
    const checkStrict = (): void => {
      const outcome = applyStrictOutcome(opts.fieldValidation ?? 'Warn', parsed.duplicates);
      if (outcome.error !== undefined) throw outcome.error;
      if (strictChecked) return;
      strictChecked = true;
      for (const w of outcome.warnings) opts.warn?.(w);
    };
    const applyTo = (live: StoredObject | undefined): StoredObject => {
      const object = applyObject({
        live,
        applied: value,
        manager: opts.fieldManager ?? '',
        force: opts.force ?? false,
        type,
        apiVersion: this.apiVersion,
        kind: this.info.kind,
        now: this.hooks.now(),
        subresource,
        ...(resetFields === undefined ? {} : { resetFields }),
      });
      checkStrict();
      // The result shares subtrees with the body, which a retry applies again: copy it.
      return clone(object);
    };
    if (subresource === '') {
      const existing = await this.storage
        .get(this.key(namespace, name), { ignoreNotFound: true })
        .catch((e: unknown) => {
          throw this.wrap(e, name);
        });
      if (existing === undefined) {
        const obj = applyTo(undefined);
        const uid = obj.metadata?.uid ?? '';
        if (uid !== '') {
          throw newConflict(
            this.qualifiedResource,
            name,
            `uid mismatch: the provided object specified uid ${uid}, and no existing object was found`,
          );
        }
        checkNameMatchesURL(obj, name);
        const meta = metaOf(obj);
        delete meta.resourceVersion;
        delete meta.creationTimestamp;
        try {
          return { object: await this.createObject(namespace, obj, opts, false), created: true };
        } catch (err) {
          // Created meanwhile: apply to what is there, as upstream's retried update would.
          if (!(err instanceof StatusError && err.status.reason === 'AlreadyExists')) throw err;
        }
      }
    }
    const object = await this.updateWith(
      namespace,
      name,
      subresource,
      opts,
      (current) => {
        let live = current;
        if (!hasManagedFields(current)) {
          // upstream skipNonAppliedManager: what exists is owned by "before-first-apply".
          const { managedFields: _drop, ...meta } = current.metadata ?? {};
          live = trackUpdate({
            live: undefined,
            updated: { ...current, metadata: meta },
            manager: 'before-first-apply',
            type,
            apiVersion: this.apiVersion,
            now: this.hooks.now(),
            subresource,
            ...(resetFields === undefined ? {} : { resetFields }),
          });
        }
        return applyTo(live);
      },
      false,
    );
    return { object, created: false };
  }

  /** DELETE of one object, with DeleteOptions semantics (finalizers, grace, preconditions). */
  async delete(
    namespace: string,
    name: string,
    options: DeleteOptionsBody,
    opts: WriteOptions,
  ): Promise<DeleteResult> {
    this.strategy.checkDelete(name);
    const key = this.key(namespace, name);
    const policy =
      options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined);
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw newBadRequest(
        `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      );
    }
    const pre = options.preconditions ?? {};
    let current: StoredObject;
    try {
      current = await this.storage.get(key);
    } catch (err) {
      throw this.wrap(err, name);
    }
    const checkPreconditions = (obj: StoredObject): void => {
      if (pre.uid !== undefined && pre.uid !== obj.metadata?.uid) {
        throw newConflict(
          this.qualifiedResource,
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata?.uid ?? ''}`,
        );
      }
      if (
        pre.resourceVersion !== undefined &&
        pre.resourceVersion !== obj.metadata?.resourceVersion
      ) {
        throw newConflict(
          this.qualifiedResource,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata?.resourceVersion ?? ''}`,
        );
      }
    };
    checkPreconditions(current);
    if (opts.user !== undefined) {
      const req: AdmissionRequest = {
        operation: 'DELETE',
        info: this.info,
        subresource: '',
        name,
        namespace,
        oldObject: current,
        opts: { ...opts, user: opts.user },
      };
      await this.hooks.admitMutating?.(req);
      await this.hooks.admitValidating?.(req);
    }

    const finalizers = new Set(current.metadata?.finalizers ?? []);
    if (policy === 'Foreground') finalizers.add('foregroundDeletion');
    if (policy === 'Orphan') finalizers.add('orphan');
    const grace = this.strategy.gracePeriodSeconds(current, options.gracePeriodSeconds);
    const graceful = grace > 0;
    const mark = this.strategy.markForDeletion;

    if (finalizers.size > 0 || graceful || mark !== undefined) {
      // Mark for deletion; finalizers' owners (or the kubelet) finish the job.
      if (opts.dryRun) return { object: current, deleted: false };
      try {
        const updated = await this.storage.guaranteedUpdate<StoredObject>(key, (cur) => {
          if (cur === undefined) throw newNotFound(this.qualifiedResource, name);
          checkPreconditions(cur);
          const meta = metaOf(cur);
          if (meta.deletionTimestamp === undefined) {
            const now = this.hooks.now();
            meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
            meta.deletionGracePeriodSeconds = grace;
          } else if (graceful && (meta.deletionGracePeriodSeconds ?? 0) > grace) {
            // A shorter grace period may replace a longer one.
            meta.deletionTimestamp = rfc3339(new Date(this.hooks.now().getTime() + grace * 1000));
            meta.deletionGracePeriodSeconds = grace;
          }
          const f = new Set(meta.finalizers ?? []);
          if (policy === 'Foreground') f.add('foregroundDeletion');
          if (policy === 'Orphan') f.add('orphan');
          if (f.size > 0) meta.finalizers = [...f];
          mark?.(cur);
          return cur;
        });
        const result = { object: updated, deleted: false };
        this.hooks.afterDelete?.(this.info, result);
        return result;
      } catch (err) {
        throw this.wrap(err, name);
      }
    }
    if (opts.dryRun) return { object: current, deleted: true };
    try {
      const deleted = await this.storage.delete<StoredObject>(key, {
        validateDeletion: (cur) => {
          checkPreconditions(cur);
          if ((cur.metadata?.finalizers ?? []).length > 0) {
            throw newConflict(this.qualifiedResource, name, 'the object gained finalizers; retry');
          }
        },
      });
      const result = { object: deleted, deleted: true };
      this.hooks.afterDelete?.(this.info, result);
      return result;
    } catch (err) {
      throw this.wrap(err, name);
    }
  }

  /**
   * Finishes the deletion of an object whose finalizers are all gone (upstream deletes it as
   * part of the update that removed the last finalizer).
   */
  async deleteIfFinalized(namespace: string, obj: StoredObject): Promise<boolean> {
    const meta = obj.metadata ?? {};
    if (meta.deletionTimestamp === undefined || (meta.finalizers ?? []).length > 0) return false;
    if ((meta.deletionGracePeriodSeconds ?? 0) > 0) return false;
    try {
      const deleted = await this.storage.delete(this.key(namespace, meta.name ?? ''), {
        preconditions: { uid: meta.uid ?? '', resourceVersion: meta.resourceVersion ?? '' },
      });
      this.hooks.afterDelete?.(this.info, { object: deleted, deleted: true });
      return true;
    } catch {
      return false; // changed meanwhile: whoever changed it decides
    }
  }

  /** DELETE on a collection: deletes every matching object; returns what was deleted. */
  async deleteCollection(
    namespace: string,
    q: ListQuery,
    options: DeleteOptionsBody,
    opts: WriteOptions,
  ): Promise<ListResponse> {
    const list = await this.list(namespace, { ...q, limit: 0 });
    const items: StoredObject[] = [];
    for (const item of list.items) {
      const meta = item.metadata ?? {};
      try {
        const res = await this.delete(meta.namespace ?? '', meta.name ?? '', options, opts);
        items.push(res.object);
      } catch (err) {
        if (err instanceof StatusError && err.status.code === 404) continue;
        throw err;
      }
    }
    return { items, resourceVersion: list.resourceVersion };
  }
}

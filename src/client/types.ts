/**
 * The contracts every component programs against (client-go's shapes, in TypeScript): typed
 * resource clients, watch events, listers and informers, the event recorder. The real
 * implementations talk HTTPS to the API server (./rest, ./informers); ./fake has in-memory ones
 * for unit tests of controllers. API objects are plain JSON (kubernetes-types); objects handed
 * out by listers and informers are shared and read-only: clone before changing one.
 *
 * Errors: every call rejects with the API's `StatusError` (src/api/errors.ts), rebuilt from the
 * server's Status body, so `isNotFound(err)`, `isConflict(err)`, `isAlreadyExists(err)` work the
 * same against the real server and the fake.
 */
import type { ListMeta, ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { Selector } from '../api/index.ts';

/** Any API object: TypeMeta plus ObjectMeta. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A list answer: the items and the list's resourceVersion/continue token. */
export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

/** Group, version and plural resource name (`{group: 'apps', version: 'v1', resource: 'deployments'}`). */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** Query options of get (upstream metav1.GetOptions). */
export interface GetOptions {
  /**
   * '' or absent: the latest object (a read of the store). '0': any version the server has,
   * served from its watch cache (upstream's FromApiserverCache, as the kubelet's first read of
   * its Node): much cheaper, possibly a moment behind.
   */
  resourceVersion?: string;
}

/** Query options of list and watch (upstream metav1.ListOptions). */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  limit?: number;
  continue?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

/** Options of create, update and patch. */
export interface WriteOptions {
  /** `dryRun=All`. */
  dryRun?: boolean;
  /** The field manager recorded in managedFields (default: the client's user agent). */
  fieldManager?: string;
}

/** Options of patch. */
export interface PatchOptions extends WriteOptions {
  /** A subresource (`status`, `scale`) instead of the object itself. */
  subresource?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

/** The four patch content types. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Options of delete (upstream metav1.DeleteOptions). */
export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** One watch event. `BOOKMARK` objects carry only `metadata.resourceVersion`. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
}

/**
 * A client for one resource. `namespace` is the first argument of every call: '' for
 * cluster-scoped resources, and for list/watch/deleteCollection across all namespaces. Every
 * returned object belongs to the caller.
 */
export interface ResourceClient<T extends KubeObject> {
  readonly gvr: GroupVersionResource;
  get(namespace: string, name: string, opts?: GetOptions): Promise<T>;
  list(namespace: string, opts?: ListOptions): Promise<ObjectList<T>>;
  create(namespace: string, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT of the whole object (optimistic concurrency through metadata.resourceVersion). */
  update(namespace: string, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT of the status subresource. */
  updateStatus(namespace: string, obj: T, opts?: WriteOptions): Promise<T>;
  /** `patch` is sent as JSON (an object or array), or as is when a string (apply YAML). */
  patch(
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: PatchOptions,
  ): Promise<T>;
  /** Resolves once the server accepted the deletion (the object may linger with finalizers). */
  delete(namespace: string, name: string, opts?: DeleteOptions): Promise<void>;
  deleteCollection(namespace: string, opts?: ListOptions & DeleteOptions): Promise<void>;
  /**
   * Watch events until `signal` aborts or the server ends the watch (the iterator then
   * returns). A `410 Gone` (resourceVersion too old) rejects with the StatusError.
   */
  watch(namespace: string, opts: ListOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
  /** PUT to a subresource (`finalize` of namespaces, `scale`); resolves the decoded answer. */
  replaceSubresource(
    namespace: string,
    name: string,
    subresource: string,
    body: unknown,
    opts?: WriteOptions,
  ): Promise<unknown>;
  /** POST to a subresource (`binding`, `eviction`, `token`...); resolves the decoded answer. */
  createSubresource(
    namespace: string,
    name: string,
    subresource: string,
    body: unknown,
    opts?: WriteOptions,
  ): Promise<unknown>;
}

/**
 * The final state of an object deleted while the informer was not watching (client-go's
 * DeletedFinalStateUnknown): `obj` is the last state the informer knew.
 */
export interface DeletedFinalStateUnknown<T> {
  readonly key: string;
  readonly obj: T;
  readonly deletedFinalStateUnknown: true;
}

/** The object of an informer delete notification, tombstone or not. */
export function unwrapTombstone<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  const t = obj as Partial<DeletedFinalStateUnknown<T>>;
  return t.deletedFinalStateUnknown === true && t.obj !== undefined ? t.obj : (obj as T);
}

/** Handlers of an informer; called in order, one event at a time, never concurrently. */
export interface ResourceEventHandler<T> {
  onAdd?(obj: T, isInInitialList: boolean): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

/** Read access to an informer's cache. Returned objects are shared: never change them. */
export interface Lister<T extends KubeObject> {
  /** The object `namespace/name` ('' namespace for cluster-scoped), or undefined. */
  get(namespace: string, name: string): T | undefined;
  /** The objects in `namespace` (all namespaces when undefined) that `selector` matches. */
  list(namespace?: string, selector?: Selector): T[];
  /** The objects whose index `indexName` contains `value` (see Informer.addIndexers). */
  byIndex(indexName: string, value: string): T[];
}

/** Computes the index values of an object (client-go IndexFunc). */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** A shared informer: one list+watch per resource, many handlers and listers. */
export interface Informer<T extends KubeObject> {
  readonly lister: Lister<T>;
  /** Adds a handler; objects already in the cache are delivered to it as adds. */
  addEventHandler(handler: ResourceEventHandler<T>): void;
  /** Adds named indexes; call before the informer starts. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void;
  /** True once the first list has been delivered to the cache. */
  hasSynced(): boolean;
}

/** `namespace/name`, or `name` for a cluster-scoped object (client-go MetaNamespaceKeyFunc). */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}

/** Splits a key made by objectKey into namespace ('' for cluster-scoped) and name. */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Records Kubernetes Events about objects (client-go record.EventRecorder). */
export interface EventRecorder {
  /** An event of `type` about `obj`; never throws, never blocks (sent in the background). */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

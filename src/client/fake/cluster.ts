/**
 * An in-memory API for unit tests of controllers (client-go's fake clientset and object
 * tracker): typed clients that create, update, patch and delete objects with resourceVersions,
 * uids and generateName, list with label selectors, and watch; every write is recorded as an
 * action, and reactors can answer or fail a call first. It is not an API server: no defaulting,
 * no validation, no admission, no garbage collection; deletion is immediate unless the object
 * has finalizers (then only deletionTimestamp is set), and pod bindings just set spec.nodeName.
 */
import {
  applyPatch,
  newAlreadyExists,
  newBuiltinScheme,
  newConflict,
  newNotFound,
  parseSelector,
} from '../../api/index.ts';
import type { Selector } from '../../api/index.ts';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { newClientset } from '../clientset.ts';
import type { Clientset } from '../clientset.ts';
import { objectKey } from '../types.ts';
import type {
  DeleteOptions,
  GroupVersionResource,
  KubeObject,
  ListOptions,
  ObjectList,
  PatchOptions,
  PatchType,
  ResourceClient,
  WatchEvent,
  WriteOptions,
} from '../types.ts';

/** A call the fake received (client-go testing.Action). */
export interface FakeAction {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  resource: GroupVersionResource;
  namespace: string;
  /** The object's name ('' for list, watch, deletecollection, and create with generateName). */
  name: string;
  subresource: string;
  /** The object sent (create, update) or the patch (patch). */
  object?: unknown;
  patchType?: PatchType;
}

/**
 * Answers an action before the tracker does: return `{ handled: true, result }` to answer (the
 * result is returned to the caller), throw to fail the call, or return undefined to pass.
 */
export type Reactor = (action: FakeAction) => { handled: true; result?: unknown } | undefined;

const clone = <T>(v: T): T => structuredClone(v);

/** ObjectMeta with the server-set fields writable (kubernetes-types marks them readonly). */
type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };
const metaOf = (o: KubeObject): Meta => (o.metadata ??= {});
const gvrKey = (r: GroupVersionResource): string => `${r.group}/${r.version}/${r.resource}`;

interface Watcher {
  namespace: string;
  selector: Selector | undefined;
  push(e: WatchEvent<KubeObject>): void;
}

interface Bucket {
  objects: Map<string, KubeObject>;
  watchers: Set<Watcher>;
}

/** The in-memory API; see the module comment. */
export class FakeCluster {
  /** Every call, in order (reads included). */
  readonly actions: FakeAction[] = [];
  readonly clientset: Clientset;
  private readonly reactors: Reactor[] = [];
  private readonly buckets = new Map<string, Bucket>();
  private readonly scheme = newBuiltinScheme();
  private revision = 0;
  private uidCounter = 0;
  private nameCounter = 0;
  private readonly now: () => Date;

  constructor(opts: { now?: () => Date } = {}) {
    this.now = opts.now ?? (() => new Date());
    this.clientset = newClientset((r) => this.client(r));
  }

  /** The client of one resource. */
  client<T extends KubeObject>(gvr: GroupVersionResource): ResourceClient<T> {
    return new FakeResourceClient<T>(this, gvr);
  }

  /** Adds a reactor consulted before the tracker (last added first, as client-go's Prepend). */
  prependReactor(reactor: Reactor): void {
    this.reactors.unshift(reactor);
  }

  /** Stores objects without recording actions (test set-up); sets missing rv and uid. */
  seed(gvr: GroupVersionResource, ...objs: KubeObject[]): void {
    for (const o of objs) {
      const obj = clone(o);
      const meta = metaOf(obj);
      meta.uid ??= this.newUid();
      meta.resourceVersion = String(++this.revision);
      this.bucket(gvr).objects.set(objectKey(obj), obj);
    }
  }

  /** The stored object (a copy), or undefined. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the stored type
  peek<T extends KubeObject>(
    gvr: GroupVersionResource,
    namespace: string,
    name: string,
  ): T | undefined {
    const o = this.bucket(gvr).objects.get(namespace === '' ? name : `${namespace}/${name}`);
    return o === undefined ? undefined : (clone(o) as T);
  }

  /** The stored objects of a resource (copies). */
  objects<T extends KubeObject>(gvr: GroupVersionResource, namespace?: string): T[] {
    return [...this.bucket(gvr).objects.values()]
      .filter((o) => namespace === undefined || (o.metadata?.namespace ?? '') === namespace)
      .map((o) => clone(o) as T);
  }

  /** The recorded write actions (create, update, patch, delete, deletecollection). */
  writes(): FakeAction[] {
    return this.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch');
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** @internal Records the action and runs the reactors. */
  react(action: FakeAction): { handled: true; result?: unknown } | undefined {
    this.actions.push(action);
    for (const r of this.reactors) {
      const out = r(action);
      if (out !== undefined) return out;
    }
    return undefined;
  }

  /** @internal */
  bucket(gvr: GroupVersionResource): Bucket {
    const key = gvrKey(gvr);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { objects: new Map(), watchers: new Set() };
      this.buckets.set(key, b);
    }
    return b;
  }

  /** @internal */
  namespaced(gvr: GroupVersionResource): boolean {
    return this.scheme.byGroupVersionResource(gvr)?.namespaced ?? true;
  }

  /** @internal */
  kindOf(gvr: GroupVersionResource): { apiVersion: string; kind: string } {
    const info = this.scheme.byGroupVersionResource(gvr);
    const apiVersion = gvr.group === '' ? gvr.version : `${gvr.group}/${gvr.version}`;
    return { apiVersion, kind: info?.kind ?? gvr.resource };
  }

  /** @internal */
  nextRevision(): string {
    return String(++this.revision);
  }

  /** @internal */
  currentRevision(): string {
    return String(this.revision);
  }

  /** @internal */
  newUid(): string {
    const n = (++this.uidCounter).toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${n}`;
  }

  /** @internal A generateName suffix: 5 characters, deterministic. */
  newSuffix(): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let n = ++this.nameCounter;
    let s = '';
    for (let i = 0; i < 5; i++) {
      s += alphabet[n % alphabet.length] ?? 'x';
      n = Math.floor(n / alphabet.length);
    }
    return s;
  }

  /** @internal */
  timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
  }

  /** @internal Sends an event to the resource's watchers. */
  notify(gvr: GroupVersionResource, type: WatchEvent<KubeObject>['type'], obj: KubeObject): void {
    for (const w of this.bucket(gvr).watchers) {
      const ns = obj.metadata?.namespace ?? '';
      if (w.namespace !== '' && w.namespace !== ns) continue;
      if (w.selector !== undefined && !w.selector.matches(obj.metadata?.labels ?? {})) continue;
      w.push({ type, object: clone(obj) });
    }
  }
}

function fieldMatches(obj: KubeObject, fieldSelector: string | undefined): boolean {
  if (fieldSelector === undefined || fieldSelector === '') return true;
  for (const term of fieldSelector.split(',')) {
    const neq = term.includes('!=');
    const [path = '', value = ''] = term.split(neq ? '!=' : /==?/);
    let v: unknown = obj;
    for (const part of path.split('.')) {
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    }
    const actual =
      v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    if (neq ? actual === value : actual !== value) return false;
  }
  return true;
}

class FakeResourceClient<T extends KubeObject> implements ResourceClient<T> {
  constructor(
    private readonly cluster: FakeCluster,
    readonly gvr: GroupVersionResource,
  ) {}

  private qualified(): { group: string; resource: string } {
    return { group: this.gvr.group, resource: this.gvr.resource };
  }

  private key(namespace: string, name: string): string {
    return this.cluster.namespaced(this.gvr) && namespace !== '' ? `${namespace}/${name}` : name;
  }

  private objects(): Map<string, KubeObject> {
    return this.cluster.bucket(this.gvr).objects;
  }

  private action(
    verb: FakeAction['verb'],
    namespace: string,
    name: string,
    extra: Partial<FakeAction> = {},
  ): { handled: true; result?: unknown } | undefined {
    return this.cluster.react({
      verb,
      resource: this.gvr,
      namespace,
      name,
      subresource: '',
      ...extra,
    });
  }

  get(namespace: string, name: string): Promise<T> {
    return Promise.resolve().then(() => {
      const r = this.action('get', namespace, name);
      if (r !== undefined) return r.result as T;
      const o = this.objects().get(this.key(namespace, name));
      if (o === undefined) throw newNotFound(this.qualified(), name);
      return clone(o) as T;
    });
  }

  list(namespace: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return Promise.resolve().then(() => {
      const r = this.action('list', namespace, '');
      if (r !== undefined) return r.result as ObjectList<T>;
      const selector =
        opts.labelSelector === undefined ? undefined : parseSelector(opts.labelSelector);
      const items: T[] = [];
      for (const o of this.objects().values()) {
        if (namespace !== '' && (o.metadata?.namespace ?? '') !== namespace) continue;
        if (selector !== undefined && !selector.matches(o.metadata?.labels ?? {})) continue;
        if (!fieldMatches(o, opts.fieldSelector)) continue;
        items.push(clone(o) as T);
      }
      return {
        ...this.cluster.kindOf(this.gvr),
        metadata: { resourceVersion: this.cluster.currentRevision() },
        items,
      };
    });
  }

  create(namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return Promise.resolve().then(() => {
      const o = clone(obj);
      const meta = metaOf(o);
      const r = this.action('create', namespace, meta.name ?? '', { object: clone(obj) });
      if (r !== undefined) return r.result as T;
      if ((meta.name ?? '') === '' && (meta.generateName ?? '') !== '') {
        meta.name = `${meta.generateName ?? ''}${this.cluster.newSuffix()}`;
      }
      const name = meta.name ?? '';
      if (this.cluster.namespaced(this.gvr)) meta.namespace = namespace;
      const key = this.key(namespace, name);
      if (this.objects().has(key)) throw newAlreadyExists(this.qualified(), name);
      meta.uid = this.cluster.newUid();
      meta.creationTimestamp = this.cluster.timestamp();
      meta.resourceVersion = this.cluster.nextRevision();
      if (meta.generation === undefined) meta.generation = 1;
      Object.assign(o, { ...this.cluster.kindOf(this.gvr), ...o });
      if (opts.dryRun === true) return o;
      this.objects().set(key, o);
      this.cluster.notify(this.gvr, 'ADDED', o);
      return clone(o);
    });
  }

  private write(namespace: string, next: KubeObject, current: KubeObject): T {
    const meta = metaOf(next);
    meta.resourceVersion = this.cluster.nextRevision();
    meta.uid = current.metadata?.uid ?? meta.uid ?? '';
    meta.creationTimestamp = current.metadata?.creationTimestamp ?? meta.creationTimestamp ?? '';
    const key = this.key(namespace, meta.name ?? '');
    const terminating = meta.deletionTimestamp !== undefined;
    if (terminating && (meta.finalizers ?? []).length === 0) {
      this.objects().delete(key);
      this.cluster.notify(this.gvr, 'DELETED', next);
    } else {
      this.objects().set(key, next);
      this.cluster.notify(this.gvr, 'MODIFIED', next);
    }
    return clone(next) as T;
  }

  private current(namespace: string, name: string, rv: string | undefined): KubeObject {
    const cur = this.objects().get(this.key(namespace, name));
    if (cur === undefined) throw newNotFound(this.qualified(), name);
    if (rv !== undefined && rv !== '' && rv !== cur.metadata?.resourceVersion) {
      throw newConflict(
        this.qualified(),
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return cur;
  }

  update(namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.replace(namespace, obj, '', opts);
  }

  updateStatus(namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.replace(namespace, obj, 'status', opts);
  }

  private replace(namespace: string, obj: T, subresource: string, opts: WriteOptions): Promise<T> {
    return Promise.resolve().then(() => {
      const name = obj.metadata?.name ?? '';
      const r = this.action('update', namespace, name, { subresource, object: clone(obj) });
      if (r !== undefined) return r.result as T;
      const cur = this.current(namespace, name, obj.metadata?.resourceVersion);
      let next: KubeObject;
      if (subresource === 'status') {
        // As the API server: status, plus label and annotation changes (upstream strategies).
        next = { ...clone(cur), status: clone((obj as { status?: unknown }).status) } as KubeObject;
        const m = metaOf(next);
        if (obj.metadata?.labels !== undefined) m.labels = clone(obj.metadata.labels);
        if (obj.metadata?.annotations !== undefined)
          m.annotations = clone(obj.metadata.annotations);
      } else {
        next = clone(obj);
        const spec = (x: KubeObject): string => JSON.stringify((x as { spec?: unknown }).spec);
        const gen = cur.metadata?.generation ?? 1;
        metaOf(next).generation = spec(next) === spec(cur) ? gen : gen + 1;
        (next as { status?: unknown }).status = clone((cur as { status?: unknown }).status);
        if ((cur as { status?: unknown }).status === undefined)
          delete (next as { status?: unknown }).status;
      }
      if (opts.dryRun === true) return next as T;
      return this.write(namespace, next, cur);
    });
  }

  patch(
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    return Promise.resolve().then(() => {
      const subresource = opts.subresource ?? '';
      const r = this.action('patch', namespace, name, {
        subresource,
        object: clone(patch),
        patchType: type,
      });
      if (r !== undefined) return r.result as T;
      if (type === 'apply') throw new Error('the fake does not implement server-side apply');
      const cur = this.current(namespace, name, undefined);
      const bytes = typeof patch === 'string' ? patch : JSON.stringify(patch);
      const next = applyPatch(type, cur, bytes, this.cluster.kindOf(this.gvr)) as KubeObject;
      if (opts.dryRun === true) return next as T;
      return this.write(namespace, next, cur);
    });
  }

  delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
    return Promise.resolve().then(() => {
      const r = this.action('delete', namespace, name, { object: clone(opts) });
      if (r !== undefined) return;
      const key = this.key(namespace, name);
      const cur = this.objects().get(key);
      if (cur === undefined) throw newNotFound(this.qualified(), name);
      const pre = opts.preconditions;
      if (pre?.uid !== undefined && pre.uid !== cur.metadata?.uid) {
        throw newConflict(
          this.qualified(),
          name,
          'Precondition failed: UID in precondition does not match',
        );
      }
      if (opts.dryRun === true) return;
      if ((cur.metadata?.finalizers ?? []).length > 0) {
        const next = clone(cur);
        metaOf(next).deletionTimestamp ??= this.cluster.timestamp();
        metaOf(next).deletionGracePeriodSeconds ??= 0;
        this.write(namespace, next, cur);
        return;
      }
      this.objects().delete(key);
      this.cluster.notify(this.gvr, 'DELETED', cur);
    });
  }

  deleteCollection(namespace: string, opts: ListOptions & DeleteOptions = {}): Promise<void> {
    return Promise.resolve().then(async () => {
      const r = this.action('deletecollection', namespace, '');
      if (r !== undefined) return;
      const before = this.cluster.actions.length;
      const list = await this.list(namespace, opts);
      for (const o of list.items) {
        await this.delete(o.metadata?.namespace ?? '', o.metadata?.name ?? '', opts);
      }
      // The inner list and deletes are an implementation detail, not the caller's actions.
      this.cluster.actions.splice(before);
    });
  }

  watch(namespace: string, opts: ListOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const cluster = this.cluster;
    const gvr = this.gvr;
    const action = (): void => {
      this.action('watch', namespace, '');
    };
    return {
      [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
        action();
        const queue: WatchEvent<T>[] = [];
        let wake: (() => void) | undefined;
        const watcher: Watcher = {
          namespace,
          selector:
            opts.labelSelector === undefined ? undefined : parseSelector(opts.labelSelector),
          push: (e) => {
            queue.push(e as WatchEvent<T>);
            wake?.();
          },
        };
        const bucket = cluster.bucket(gvr);
        bucket.watchers.add(watcher);
        const onAbort = (): void => wake?.();
        signal.addEventListener('abort', onAbort);
        const finish = (): IteratorResult<WatchEvent<T>> => {
          bucket.watchers.delete(watcher);
          signal.removeEventListener('abort', onAbort);
          return { done: true, value: undefined };
        };
        return {
          async next(): Promise<IteratorResult<WatchEvent<T>>> {
            for (;;) {
              if (signal.aborted) return finish();
              const e = queue.shift();
              if (e !== undefined) return { done: false, value: e };
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
              wake = undefined;
            }
          },
          return(): Promise<IteratorResult<WatchEvent<T>>> {
            return Promise.resolve(finish());
          },
        };
      },
    };
  }

  replaceSubresource(
    namespace: string,
    name: string,
    subresource: string,
    body: unknown,
  ): Promise<unknown> {
    return Promise.resolve().then(() => {
      const r = this.action('update', namespace, name, { subresource, object: clone(body) });
      if (r !== undefined) return r.result;
      const cur = this.current(namespace, name, undefined);
      const next = clone(cur) as KubeObject & { spec?: Record<string, unknown> };
      const spec = (body as { spec?: Record<string, unknown> }).spec ?? {};
      if (subresource === 'finalize') (next.spec ??= {})['finalizers'] = spec['finalizers'];
      else if (subresource === 'scale') (next.spec ??= {})['replicas'] = spec['replicas'];
      else return body;
      return this.write(namespace, next, cur);
    });
  }

  createSubresource(
    namespace: string,
    name: string,
    subresource: string,
    body: unknown,
  ): Promise<unknown> {
    return Promise.resolve().then(async () => {
      const r = this.action('create', namespace, name, { subresource, object: clone(body) });
      if (r !== undefined) return r.result;
      if (this.gvr.resource === 'pods' && subresource === 'binding') {
        const nodeName = (body as { target?: { name?: string } }).target?.name ?? '';
        const cur = this.current(namespace, name, undefined);
        const next = clone(cur) as KubeObject & { spec?: { nodeName?: string } };
        (next.spec ??= {}).nodeName = nodeName;
        this.write(namespace, next, cur);
        return { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 };
      }
      if (this.gvr.resource === 'pods' && subresource === 'eviction') {
        await this.delete(namespace, name);
        return { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 };
      }
      return body;
    });
  }
}

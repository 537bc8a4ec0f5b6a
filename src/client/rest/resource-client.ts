/**
 * ResourceClient over the HTTPS transport: URL construction (`/api/v1` for the core group,
 * `/apis/<group>/<version>` otherwise; `/namespaces/<ns>` when a namespace is given), query
 * parameters from the options, watch events decoded (an ERROR event rejects with its Status).
 */
import { StatusError } from '../../api/index.ts';
import { newClientset } from '../clientset.ts';
import type { Clientset } from '../clientset.ts';
import type {
  DeleteOptions,
  GetOptions,
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
import type { RestConfig } from './kubeconfig.ts';
import { Transport } from './transport.ts';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

function listQuery(opts: ListOptions, watch: boolean): URLSearchParams {
  const q = new URLSearchParams();
  if (watch) q.set('watch', 'true');
  if (opts.labelSelector !== undefined && opts.labelSelector !== '')
    q.set('labelSelector', opts.labelSelector);
  if (opts.fieldSelector !== undefined && opts.fieldSelector !== '')
    q.set('fieldSelector', opts.fieldSelector);
  if (opts.resourceVersion !== undefined && opts.resourceVersion !== '')
    q.set('resourceVersion', opts.resourceVersion);
  if (opts.resourceVersionMatch !== undefined)
    q.set('resourceVersionMatch', opts.resourceVersionMatch);
  if (opts.limit !== undefined && !watch) q.set('limit', String(opts.limit));
  if (opts.continue !== undefined && opts.continue !== '' && !watch)
    q.set('continue', opts.continue);
  if (opts.timeoutSeconds !== undefined) q.set('timeoutSeconds', String(opts.timeoutSeconds));
  if (opts.allowWatchBookmarks === true && watch) q.set('allowWatchBookmarks', 'true');
  return q;
}

function writeQuery(opts: WriteOptions & { force?: boolean }): URLSearchParams {
  const q = new URLSearchParams();
  if (opts.dryRun === true) q.set('dryRun', 'All');
  if (opts.fieldManager !== undefined) q.set('fieldManager', opts.fieldManager);
  if (opts.force === true) q.set('force', 'true');
  return q;
}

function deleteBody(opts: DeleteOptions): Record<string, unknown> {
  return {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    ...(opts.propagationPolicy === undefined ? {} : { propagationPolicy: opts.propagationPolicy }),
    ...(opts.gracePeriodSeconds === undefined
      ? {}
      : { gracePeriodSeconds: opts.gracePeriodSeconds }),
    ...(opts.preconditions === undefined ? {} : { preconditions: opts.preconditions }),
    ...(opts.dryRun === true ? { dryRun: ['All'] } : {}),
  };
}

/** A ResourceClient speaking HTTPS through `transport`. */
export class RestResourceClient<T extends KubeObject> implements ResourceClient<T> {
  private readonly base: string;

  constructor(
    private readonly transport: Transport,
    readonly gvr: GroupVersionResource,
  ) {
    this.base = gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`;
  }

  /** The path of the collection (name '') or of one object, with an optional subresource. */
  path(namespace: string, name = '', subresource = ''): string {
    let p = this.base;
    if (namespace !== '') p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${this.gvr.resource}`;
    if (name !== '') p += `/${encodeURIComponent(name)}`;
    if (subresource !== '') p += `/${subresource}`;
    return p;
  }

  async get(namespace: string, name: string, opts: GetOptions = {}): Promise<T> {
    const rv = opts.resourceVersion ?? '';
    return (await this.transport.request({
      method: 'GET',
      path: this.path(namespace, name),
      ...(rv === '' ? {} : { query: new URLSearchParams({ resourceVersion: rv }) }),
    })) as T;
  }

  async list(namespace: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return (await this.transport.request({
      method: 'GET',
      path: this.path(namespace),
      query: listQuery(opts, false),
    })) as ObjectList<T>;
  }

  async create(namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return (await this.transport.request({
      method: 'POST',
      path: this.path(namespace),
      query: writeQuery(opts),
      body: obj,
    })) as T;
  }

  async update(namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return (await this.transport.request({
      method: 'PUT',
      path: this.path(namespace, obj.metadata?.name ?? ''),
      query: writeQuery(opts),
      body: obj,
    })) as T;
  }

  async updateStatus(namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return (await this.transport.request({
      method: 'PUT',
      path: this.path(namespace, obj.metadata?.name ?? '', 'status'),
      query: writeQuery(opts),
      body: obj,
    })) as T;
  }

  async patch(
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    return (await this.transport.request({
      method: 'PATCH',
      path: this.path(namespace, name, opts.subresource ?? ''),
      query: writeQuery(opts),
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
    })) as T;
  }

  async delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: this.path(namespace, name),
      body: deleteBody(opts),
    });
  }

  async deleteCollection(namespace: string, opts: ListOptions & DeleteOptions = {}): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: this.path(namespace),
      query: listQuery(opts, false),
      body: deleteBody(opts),
    });
  }

  watch(namespace: string, opts: ListOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const values = this.transport.streamJson({
      method: 'GET',
      path: this.path(namespace),
      query: listQuery(opts, true),
      signal,
    });
    return (async function* () {
      for await (const v of values) {
        const e = v as { type?: string; object?: unknown };
        if (e.type === 'ERROR') {
          const status = e.object as ConstructorParameters<typeof StatusError>[0];
          throw new StatusError(status);
        }
        if (
          e.type === 'ADDED' ||
          e.type === 'MODIFIED' ||
          e.type === 'DELETED' ||
          e.type === 'BOOKMARK'
        ) {
          yield { type: e.type, object: e.object as T };
        }
      }
    })();
  }

  async createSubresource(
    namespace: string,
    name: string,
    subresource: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<unknown> {
    return this.transport.request({
      method: 'POST',
      path: this.path(namespace, name, subresource),
      query: writeQuery(opts),
      body,
    });
  }

  /** PUT to a subresource (`finalize` of namespaces, `scale`); resolves the decoded answer. */
  async replaceSubresource(
    namespace: string,
    name: string,
    subresource: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<unknown> {
    return this.transport.request({
      method: 'PUT',
      path: this.path(namespace, name, subresource),
      query: writeQuery(opts),
      body,
    });
  }
}

/** A Clientset over HTTPS with `config`, and its transport (close it when done). */
export function newRestClientset(
  config: RestConfig,
  opts: { maxRetries?: number } = {},
): { clientset: Clientset; transport: Transport } {
  const transport = new Transport(config, opts);
  const clientset = newClientset((gvr) => new RestResourceClient(transport, gvr));
  return { clientset, transport };
}

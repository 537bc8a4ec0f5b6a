/**
 * `metrics.k8s.io/v1beta1` served by the API server itself (metrics-server's API): NodeMetrics
 * (`nodes`, cluster-scoped) and PodMetrics (`pods`, namespaced), get and list with label
 * selectors (pods also field selectors), from a MetricsStore. Objects carry the node's or
 * pod's labels, `timestamp`, `window` and `usage` as metrics-server writes them.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  newBadRequest,
  newMethodNotSupported,
  newNotFound,
  newQuantity,
  newScaledQuantity,
  parseSelector,
  resourceInfo,
  type ResourceInfo,
} from '../../api/index.ts';
import type { Response } from '../http/respond.ts';
import { sendJSON } from '../http/respond.ts';
import type { ResourceRequestInfo } from '../request-info.ts';
import { formatGoDuration, type MetricsStore, type Usage } from './store.ts';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/**
 * The scheme entries of metrics.k8s.io/v1beta1 (never stored; verbs get and list), to add to
 * the API server's scheme so discovery, OpenAPI and authorization know them.
 */
export function metricsResourceInfos(): ResourceInfo[] {
  const common = {
    group: METRICS_GROUP,
    version: METRICS_VERSION,
    verbs: ['get', 'list'] as const,
    storagePrefix: null,
  };
  return [
    resourceInfo({ ...common, kind: 'NodeMetrics', resource: 'nodes', namespaced: false }),
    resourceInfo({ ...common, kind: 'PodMetrics', resource: 'pods', namespaced: true }),
  ];
}

/** Where the API finds nodes and pods (the API server's registries). */
export interface MetricsApiOptions {
  store: MetricsStore;
  getNode(name: string): Promise<Node>;
  listNodes(labelSelector: string): Promise<Node[]>;
  getPod(namespace: string, name: string): Promise<Pod>;
  /** `namespace` '' for all namespaces. */
  listPods(namespace: string, labelSelector: string, fieldSelector: string): Promise<Pod[]>;
  now(): Date;
}

function rfc3339(ms: number | Date): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `usage` as metrics-server writes it: CPU in nanocores, memory BinarySI bytes. */
export function usageList(u: Usage): Record<string, string> {
  return {
    cpu: newScaledQuantity(u.cpuNanoCores, -9).toString(),
    memory: newQuantity(u.memoryBytes, 'BinarySI').toString(),
  };
}

/** Serves metrics.k8s.io requests. */
export class MetricsApi {
  constructor(private readonly opts: MetricsApiOptions) {}

  /** A NodeMetrics of `node`, or undefined when its usage is not known yet. */
  nodeMetrics(node: Node): object | undefined {
    const name = node.metadata?.name ?? '';
    const u = this.opts.store.nodeUsage(name);
    if (u === undefined) return undefined;
    return {
      metadata: {
        name,
        creationTimestamp: rfc3339(this.opts.now()),
        ...(node.metadata?.labels === undefined ? {} : { labels: node.metadata.labels }),
      },
      timestamp: rfc3339(u.timestampMs),
      window: formatGoDuration(u.windowMs),
      usage: usageList(u),
    };
  }

  /** A PodMetrics of `pod`, or undefined when its usage is not known yet. */
  podMetrics(pod: Pod): object | undefined {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const u = this.opts.store.podUsage(namespace, name);
    if (u === undefined) return undefined;
    return {
      metadata: {
        name,
        namespace,
        creationTimestamp: rfc3339(this.opts.now()),
        ...(pod.metadata?.labels === undefined ? {} : { labels: pod.metadata.labels }),
      },
      timestamp: rfc3339(u.timestampMs),
      window: formatGoDuration(u.windowMs),
      containers: u.containers.map((c) => ({ name: c.name, usage: usageList(c.usage) })),
    };
  }

  /** Serves `info` when it is a metrics.k8s.io request and returns true; false otherwise. */
  async serve(info: ResourceRequestInfo, params: URLSearchParams, res: Response): Promise<boolean> {
    if (info.group !== METRICS_GROUP) return false;
    if (
      info.version !== METRICS_VERSION ||
      (info.resource !== 'nodes' && info.resource !== 'pods')
    ) {
      return false;
    }
    if (info.subresource !== '') return false;
    const gr = { group: METRICS_GROUP, resource: info.resource };
    if (info.verb !== 'get' && info.verb !== 'list') throw newMethodNotSupported(gr, info.verb);
    const labelSelector = params.get('labelSelector') ?? '';
    if (labelSelector !== '') {
      // 400 on a bad selector (upstream's parse error text), before any work.
      try {
        parseSelector(labelSelector);
      } catch (err) {
        throw newBadRequest(err instanceof Error ? err.message : String(err));
      }
    }
    if (info.resource === 'nodes') {
      if (info.verb === 'get') {
        const m = this.nodeMetrics(await this.opts.getNode(info.name));
        if (m === undefined) throw newNotFound(gr, info.name);
        sendJSON(res, 200, { kind: 'NodeMetrics', apiVersion: API_VERSION, ...m });
        return true;
      }
      const items = (await this.opts.listNodes(labelSelector))
        .map((n) => this.nodeMetrics(n))
        .filter((m): m is object => m !== undefined)
        .map((m) => ({ ...m }));
      sendJSON(res, 200, { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items });
      return true;
    }
    if (info.verb === 'get') {
      const m = this.podMetrics(await this.opts.getPod(info.namespace, info.name));
      if (m === undefined) throw newNotFound(gr, `${info.namespace}/${info.name}`);
      sendJSON(res, 200, { kind: 'PodMetrics', apiVersion: API_VERSION, ...m });
      return true;
    }
    const pods = await this.opts.listPods(
      info.namespace,
      labelSelector,
      params.get('fieldSelector') ?? '',
    );
    const items = pods.map((p) => this.podMetrics(p)).filter((m): m is object => m !== undefined);
    sendJSON(res, 200, { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items });
    return true;
  }
}

/**
 * The Endpoints controller (upstream pkg/controller/endpoint/endpoints_controller.go): keeps one
 * Endpoints object per Service with a selector, listing the IPs of the selected pods, ready ones
 * under `addresses` and the others under `notReadyAddresses`, grouped by the ports they offer.
 */
import { isForbidden, isNotFound, selectorFromSet, statusCause } from '../../api/index.ts';
import { BUILTIN_RESOURCES, splitObjectKey, unwrapTombstone } from '../../client/index.ts';
import type {
  Clientset,
  EventRecorder,
  InformerFactory,
  KubeObject,
  SharedInformer,
} from '../../client/index.ts';
import { newRateLimitingQueue, runWorkers } from '../../client/workqueue/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import type {
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
  Endpoints,
  Pod,
  Service,
  ServicePort,
} from 'kubernetes-types/core/v1.js';
import {
  TriggerTimeTracker,
  findPort,
  formatRFC3339Nano,
  isPodReady,
  isServiceIPSet,
  isIPv6,
  podIPs,
  podServiceKeys,
  semanticEqual,
  serviceIPFamily,
  servicesToUpdateOnPodChange,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from '../shared/index.ts';
import { repackSubsets, truncateSubsets } from './repack.ts';

/** Annotation with the time of the change that triggered the last write (v1.EndpointsLastChangeTriggerTime). */
export const ENDPOINTS_LAST_CHANGE_TRIGGER_TIME =
  'endpoints.kubernetes.io/last-change-trigger-time';
/** Annotation set to `truncated` when a Service has more than 1000 endpoints (v1.EndpointsOverCapacity). */
export const ENDPOINTS_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** Label on the Endpoints of a headless Service (v1.IsHeadlessService). */
export const IS_HEADLESS_SERVICE = 'service.kubernetes.io/headless';
/** The annotation of a leader-election record kept in an Endpoints object; such objects are left alone. */
const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

/** Options of the Endpoints controller. */
export interface EndpointsControllerOptions {
  clientset: Clientset;
  informers: InformerFactory;
  recorder?: EventRecorder;
  /** Told of each failed sync (the key is retried with backoff). */
  onError?: (key: string, err: unknown) => void;
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A copy of `map` without `keys`. */
function withoutKeys(
  map: Readonly<Record<string, string>> | undefined,
  keys: readonly string[],
): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => !keys.includes(k)));
}

/**
 * The Endpoints controller. The constructor registers its informers (pods, services,
 * endpoints) with the factory; the caller starts the factory and calls `run`.
 */
export class EndpointsController {
  /** The controller's name (its registry key in the controller-manager). */
  static readonly controllerName = 'endpoint-controller';
  /** The queue of Service keys (`ns/name`); exposed for tests. */
  readonly queue: RateLimitingQueue<string>;
  private readonly clientset: Clientset;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, err: unknown) => void) | undefined;
  private readonly pods: SharedInformer<Pod>;
  private readonly services: SharedInformer<Service>;
  private readonly endpoints: SharedInformer<Endpoints>;
  private readonly triggerTimes = new TriggerTimeTracker();

  constructor(opts: EndpointsControllerOptions) {
    this.clientset = opts.clientset;
    this.recorder = opts.recorder;
    this.onError = opts.onError;
    this.queue = newRateLimitingQueue({ name: 'endpoint' });
    this.pods = opts.informers.informer<Pod>(BUILTIN_RESOURCES.pods);
    this.services = opts.informers.informer<Service>(BUILTIN_RESOURCES.services);
    this.endpoints = opts.informers.informer<Endpoints>(BUILTIN_RESOURCES.endpoints);
    const enqueue = (obj: KubeObject): void => {
      this.queue.add(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`);
    };
    this.services.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_old, cur) => {
        enqueue(cur);
      },
      onDelete: (obj) => {
        enqueue(unwrapTombstone(obj));
      },
    });
    const addPodServices = (pod: Pod): void => {
      for (const k of podServiceKeys(this.services.lister, pod)) this.queue.add(k);
    };
    this.pods.addEventHandler({
      onAdd: addPodServices,
      onUpdate: (old, cur) => {
        for (const k of servicesToUpdateOnPodChange(this.services.lister, old, cur))
          this.queue.add(k);
      },
      onDelete: (obj) => {
        addPodServices(unwrapTombstone(obj));
      },
    });
    // Endpoints deleted by someone else are recreated (or, with no Service, stay gone).
    this.endpoints.addEventHandler({
      onDelete: (obj) => {
        enqueue(unwrapTombstone(obj));
      },
    });
  }

  /**
   * Waits for the caches, queues the Endpoints whose Service is gone, then runs `workers`
   * workers until `signal` aborts. Resolves once the workers stopped.
   */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await Promise.all([
      this.pods.waitForSync(signal),
      this.services.waitForSync(signal),
      this.endpoints.waitForSync(signal),
    ]);
    if (signal.aborted) {
      this.queue.shutDown();
      return;
    }
    this.checkLeftoverEndpoints();
    await runWorkers(this.queue, workers, (key) => this.sync(key), {
      signal,
      ...(this.onError === undefined ? {} : { onError: this.onError }),
    });
  }

  /**
   * Queues every Endpoints object, so that those whose Service went away while the controller
   * was down get deleted (upstream checkLeftoverEndpoints). Leader-election records are skipped.
   */
  checkLeftoverEndpoints(): void {
    for (const ep of this.endpoints.lister.list()) {
      if (ep.metadata?.annotations?.[LEADER_ELECTION_ANNOTATION] !== undefined) continue;
      this.queue.add(`${ep.metadata?.namespace ?? ''}/${ep.metadata?.name ?? ''}`);
    }
  }

  /**
   * Brings the Endpoints of Service `key` (`ns/name`) in line with the Service and its pods:
   * deletes them when the Service is gone, leaves them alone for Services without a selector or
   * of type ExternalName, and otherwise creates or updates them when they differ. Idempotent.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    // The API server owns the endpoints of the `kubernetes` Service.
    if (namespace === 'default' && name === 'kubernetes') return;
    const service = this.services.lister.get(namespace, name);
    if (service === undefined) {
      try {
        await this.clientset.endpoints.delete(namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.triggerTimes.deleteService(namespace, name);
      return;
    }
    if (service.spec?.type === 'ExternalName') return;
    const selector = service.spec?.selector;
    // Services without a selector get their endpoints out of band (and an empty selector is
    // indistinguishable from none on the wire).
    if (selector === undefined || Object.keys(selector).length === 0) return;

    const pods = this.pods.lister.list(namespace, selectorFromSet(selector));
    const triggerTime = this.triggerTimes.compute(service, pods);
    const subsets = repackSubsets(computeSubsets(service, pods));

    const current = this.endpoints.lister.get(namespace, name);
    const create = current === undefined || (current.metadata?.resourceVersion ?? '') === '';
    const truncated = truncateSubsets(subsets);
    // As upstream: the headless label is not on the Service, so it is left out of the
    // comparison; targetRef resourceVersions are ignored so pod updates that do not change
    // the endpoints cause no write.
    if (
      !create &&
      subsetsEqualIgnoreResourceVersion(current.subsets ?? [], subsets) &&
      semanticEqual(
        withoutKeys(current.metadata?.labels, [IS_HEADLESS_SERVICE]),
        service.metadata?.labels,
      ) &&
      (current.metadata?.annotations?.[ENDPOINTS_OVER_CAPACITY] !== undefined) === truncated
    ) {
      return;
    }
    const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
    if (!isServiceIPSet(service)) labels[IS_HEADLESS_SERVICE] = '';

    const next: Endpoints =
      current === undefined ? { metadata: { name, namespace } } : structuredClone(current);
    const meta = (next.metadata ??= {});
    next.subsets = subsets;
    meta.labels = labels;
    const annotations = withoutKeys(meta.annotations, [
      ENDPOINTS_LAST_CHANGE_TRIGGER_TIME,
      ENDPOINTS_OVER_CAPACITY,
    ]);
    if (triggerTime !== 0) {
      annotations[ENDPOINTS_LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
    }
    if (truncated) annotations[ENDPOINTS_OVER_CAPACITY] = 'truncated';
    meta.annotations = annotations;
    if (create) {
      next.apiVersion = 'v1';
      next.kind = 'Endpoints';
    }
    try {
      if (create) await this.clientset.endpoints.create(namespace, next);
      else await this.clientset.endpoints.update(namespace, next);
    } catch (err) {
      // Creating in a terminating namespace keeps failing: drop the key.
      if (create && isForbidden(err) && statusCause(err, 'NamespaceTerminating') !== undefined)
        return;
      if (create) {
        this.recorder?.event(
          next,
          'Warning',
          'FailedToCreateEndpoint',
          `Failed to create endpoint for service ${namespace}/${name}: ${errorMessage(err)}`,
        );
      } else {
        this.recorder?.event(
          next,
          'Warning',
          'FailedToUpdateEndpoint',
          `Failed to update endpoint ${namespace}/${name}: ${errorMessage(err)}`,
        );
      }
      throw err;
    }
  }
}

/** The address of `pod` for `svc` (upstream podToEndpointAddressForService), or undefined. */
export function podToEndpointAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  const family = serviceIPFamily(svc, pod);
  const ip = podIPs(pod).find((i) => (family === 'IPv6') === isIPv6(i));
  if (ip === undefined) return undefined;
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const uid = pod.metadata?.uid ?? '';
  return {
    ip,
    nodeName: pod.spec?.nodeName ?? '',
    // Go omits empty strings of an ObjectReference on the wire.
    targetRef: {
      kind: 'Pod',
      ...(ns === '' ? {} : { namespace: ns }),
      ...(name === '' ? {} : { name }),
      ...(uid === '' ? {} : { uid }),
    },
  };
}

/** Upstream endpointSubsetsEqualIgnoreResourceVersion. */
function subsetsEqualIgnoreResourceVersion(
  a: readonly EndpointSubset[],
  b: readonly EndpointSubset[],
): boolean {
  const strip = (subsets: readonly EndpointSubset[]): EndpointSubset[] =>
    subsets.map((s) => {
      const noRv = (addrs: EndpointAddress[] | undefined): EndpointAddress[] | undefined =>
        addrs?.map((x) =>
          x.targetRef?.resourceVersion === undefined
            ? x
            : { ...x, targetRef: { ...x.targetRef, resourceVersion: undefined } },
        );
      return { ...s, addresses: noRv(s.addresses), notReadyAddresses: noRv(s.notReadyAddresses) };
    });
  return semanticEqual(strip(a), strip(b));
}

function endpointPort(sp: ServicePort, port: number): EndpointPort {
  const p: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
  if ((sp.name ?? '') !== '') p.name = sp.name;
  if (sp.appProtocol !== undefined) p.appProtocol = sp.appProtocol;
  return p;
}

/**
 * One subset per (pod, Service port), before packing (the loop of upstream syncService): pods
 * that belong in endpoints, ready ones (or all with publishNotReadyAddresses) as addresses, the
 * rest as notReadyAddresses; a headless Service without ports lists addresses without ports.
 */
export function computeSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const subsets: EndpointSubset[] = [];
  const add = (pod: Pod, addr: EndpointAddress, port: EndpointPort | undefined): void => {
    const ports = port === undefined ? [] : [port];
    if (publishNotReady || isPodReady(pod)) subsets.push({ addresses: [addr], ports });
    else subsets.push({ notReadyAddresses: [addr], ports });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const addr = podToEndpointAddress(service, pod);
    if (addr === undefined) continue;
    if (shouldSetHostname(pod, service)) addr.hostname = pod.spec?.hostname ?? '';
    const ports = service.spec?.ports ?? [];
    if (ports.length === 0) {
      if (service.spec?.clusterIP === 'None') add(pod, addr, undefined);
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      add(pod, addr, endpointPort(sp, num));
    }
  }
  return subsets;
}

/**
 * The EndpointSlice controller (upstream pkg/controller/endpointslice and the reconciler of
 * staging/src/k8s.io/endpointslice): EndpointSlices per Service and address type, at most
 * `maxEndpointsPerSlice` endpoints each, grouped by the ports their pods offer; existing slices
 * are updated in place rather than recreated.
 */
import { isNotFound, selectorFromSet, statusCause } from '../../api/index.ts';
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
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import {
  TriggerTimeTracker,
  findPort,
  formatRFC3339Nano,
  isIPv6,
  isPodReady,
  isServiceIPSet,
  podIPs,
  podServiceKeys,
  semanticEqual,
  servicesToUpdateOnPodChange,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from '../shared/index.ts';

/** The label naming a slice's Service (discovery.LabelServiceName). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** The label naming a slice's manager (discovery.LabelManagedBy). */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** This controller's value of LABEL_MANAGED_BY. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** Label on the slices of a headless Service (v1.IsHeadlessService). */
export const IS_HEADLESS_SERVICE = 'service.kubernetes.io/headless';
/** Annotation with the time of the change that triggered the last write. */
export const ENDPOINTS_LAST_CHANGE_TRIGGER_TIME =
  'endpoints.kubernetes.io/last-change-trigger-time';
/** Node label holding the zone (v1.LabelTopologyZone). */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

type AddressType = 'IPv4' | 'IPv6';

/** Options of the EndpointSlice controller. */
export interface EndpointSliceControllerOptions {
  clientset: Clientset;
  informers: InformerFactory;
  recorder?: EventRecorder;
  /** Endpoints per slice (upstream --max-endpoints-per-slice, default 100). */
  maxEndpointsPerSlice?: number;
  /** Told of each failed sync (the key is retried with backoff). */
  onError?: (key: string, err: unknown) => void;
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A stable key of a port, for grouping and sorting (upstream hashes the struct). */
const portKey = (p: EndpointPort): string =>
  JSON.stringify([p.name ?? '', p.port ?? null, p.protocol ?? '', p.appProtocol ?? null]);

/** Upstream NewPortMapKey: the identity of a set of ports (sorts `ports` in place). */
function portMapKey(ports: EndpointPort[]): string {
  ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
  return ports.map(portKey).join('|');
}

/** Upstream hashEndpoint: an endpoint's identity (addresses, hostname, target). */
function endpointKey(ep: Endpoint): string {
  return JSON.stringify([
    [...ep.addresses].sort(),
    ep.hostname ?? '',
    ep.targetRef?.namespace ?? '',
    ep.targetRef?.name ?? '',
  ]);
}

/** The address types a Service's slices carry (upstream getAddressTypesForService). */
export function addressTypesForService(svc: Service): Set<AddressType> {
  const out = new Set<AddressType>();
  for (const f of svc.spec?.ipFamilies ?? []) {
    if (f === 'IPv4' || f === 'IPv6') out.add(f);
  }
  if (out.size > 0) return out;
  const cip = svc.spec?.clusterIP ?? '';
  if (cip !== '' && cip !== 'None') return new Set([isIPv6(cip) ? 'IPv6' : 'IPv4']);
  // A headless Service from before dual-stack: both.
  return new Set(['IPv4', 'IPv6']);
}

/** The ports `pod` offers for `svc` (upstream getEndpointPorts). */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0 && svc.spec?.clusterIP === 'None') return out;
  for (const sp of ports) {
    const num = findPort(pod, sp);
    if (num === undefined) continue;
    const p: EndpointPort = { name: sp.name ?? '', port: num, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol !== undefined) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

/** The endpoint of `pod` (upstream podToEndpoint); `node` gives the zone. */
export function podToEndpoint(
  pod: Pod,
  node: Node | undefined,
  svc: Service,
  addressType: AddressType,
): Endpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata?.deletionTimestamp !== undefined;
  // Ready is never true for a terminating pod unless the Service publishes not-ready addresses.
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const uid = pod.metadata?.uid ?? '';
  const ep: Endpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
    targetRef: {
      kind: 'Pod',
      ...(ns === '' ? {} : { namespace: ns }),
      ...(name === '' ? {} : { name }),
      ...(uid === '' ? {} : { uid }),
    },
  };
  const nodeName = pod.spec?.nodeName ?? '';
  if (nodeName !== '') ep.nodeName = nodeName;
  const zone = node?.metadata?.labels?.[LABEL_TOPOLOGY_ZONE] ?? '';
  if (zone !== '') ep.zone = zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec?.hostname ?? '';
  return ep;
}

/** The labels of a Service's slices (upstream setEndpointSliceLabels). */
export function sliceLabels(svc: Service): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === IS_HEADLESS_SERVICE) continue;
    out[k] = v;
  }
  if (!isServiceIPSet(svc)) out[IS_HEADLESS_SERVICE] = '';
  out[LABEL_SERVICE_NAME] = svc.metadata?.name ?? '';
  out[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return out;
}

function controllerRef(svc: Service): OwnerReference {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    name: svc.metadata?.name ?? '',
    uid: svc.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A new, unnamed slice of `svc` (upstream newEndpointSlice): generateName `<service>-`. */
function newSlice(svc: Service, addressType: AddressType, ports: EndpointPort[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: svc.metadata?.namespace ?? '',
      generateName: `${svc.metadata?.name ?? ''}-`,
      labels: sliceLabels(svc),
      ownerReferences: [controllerRef(svc)],
    },
    addressType,
    ports: structuredClone(ports),
    endpoints: [],
  };
}

const ownedBy = (slice: EndpointSlice, svc: Service): boolean =>
  (slice.metadata?.ownerReferences ?? []).some(
    (r) => r.controller === true && r.kind === 'Service' && r.uid === svc.metadata?.uid,
  );

/** The writes one reconcile decided on. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/**
 * Upstream Reconciler.reconcile: the slices to create, update and delete so that `existing`
 * (the Service's managed slices) carry the endpoints of `pods`. `nodes` looks up a node for its
 * zone; pods on unknown nodes are left out and reported in `skipped`. Pure: inputs are not
 * changed.
 */
export function planSlices(
  svc: Service,
  pods: readonly Pod[],
  existing: readonly EndpointSlice[],
  nodes: (name: string) => Node | undefined,
  maxEndpointsPerSlice: number,
): SlicePlan & { skipped: string[] } {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const skipped: string[] = [];
  const types = addressTypesForService(svc);
  const byType = new Map<AddressType, EndpointSlice[]>();
  for (const s of existing) {
    const t = s.addressType as AddressType;
    // Slices of an address type the Service lost, or of an older Service of the same name.
    if (!types.has(t) || !ownedBy(s, svc)) {
      plan.delete.push(s);
      continue;
    }
    const list = byType.get(t) ?? [];
    list.push(s);
    byType.set(t, list);
  }
  for (const t of [...types].sort()) {
    const r = planByAddressType(svc, pods, byType.get(t) ?? [], nodes, t, maxEndpointsPerSlice);
    plan.create.push(...r.create);
    plan.update.push(...r.update);
    plan.delete.push(...r.delete);
    if (t === [...types].sort()[0]) skipped.push(...r.skipped);
  }
  // Turn a create and a delete of the same address type into an update of the deleted slice.
  for (let i = 0; i < plan.delete.length;) {
    const last = plan.create[plan.create.length - 1];
    if (last === undefined) break;
    const del = plan.delete[i];
    if (del !== undefined && del.addressType === last.addressType && ownedBy(del, svc)) {
      const meta = (last.metadata ??= {});
      meta.name = del.metadata?.name ?? '';
      delete meta.generateName;
      plan.create.pop();
      plan.update.push(last);
      plan.delete.splice(i, 1);
    } else {
      i++;
    }
  }
  return { ...plan, skipped };
}

function planByAddressType(
  svc: Service,
  pods: readonly Pod[],
  existing: readonly EndpointSlice[],
  nodes: (name: string) => Node | undefined,
  addressType: AddressType,
  max: number,
): SlicePlan & { skipped: string[] } {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const skipped: string[] = [];
  const desiredPorts = new Map<string, EndpointPort[]>();
  const desired = new Map<string, Map<string, Endpoint>>();
  const sortedPods = [...pods].sort((a, b) =>
    (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1,
  );
  for (const pod of sortedPods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const pm = portMapKey(ports);
    if (!desired.has(pm)) desired.set(pm, new Map());
    if (!desiredPorts.has(pm)) desiredPorts.set(pm, ports);
    const nodeName = pod.spec?.nodeName ?? '';
    const node = nodes(nodeName);
    if (node === undefined) {
      skipped.push(
        `skipping Pod ${pod.metadata?.name ?? ''} for Service ${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}: Node ${nodeName} Not Found`,
      );
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length > 0) desired.get(pm)?.set(endpointKey(ep), ep);
  }
  const existingByPm = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const pm = portMapKey(structuredClone(s.ports ?? []));
    const list = existingByPm.get(pm) ?? [];
    list.push(s);
    existingByPm.set(pm, list);
  }
  for (const [pm, eps] of desired) {
    const r = planByPortMapping(
      svc,
      existingByPm.get(pm) ?? [],
      eps,
      addressType,
      desiredPorts.get(pm) ?? [],
      max,
    );
    plan.create.push(...r.create);
    plan.update.push(...r.update);
    plan.delete.push(...r.delete);
  }
  for (const [pm, slices] of existingByPm) {
    if (!desired.has(pm)) plan.delete.push(...slices);
  }
  // A Service with no endpoints keeps one empty placeholder slice.
  if (existing.length === plan.delete.length && plan.create.length === 0) {
    const placeholder = newSlice(svc, addressType, []);
    const only = plan.delete[0];
    if (plan.delete.length === 1 && only !== undefined && isPlaceholderLike(only, placeholder)) {
      plan.delete = [];
    } else {
      plan.create.push(placeholder);
    }
  }
  return { ...plan, skipped };
}

/** Upstream placeholderSliceCompare: namespace, labels, ports, endpoints and address type. */
function isPlaceholderLike(a: EndpointSlice, b: EndpointSlice): boolean {
  return (
    a.metadata?.namespace === b.metadata?.namespace &&
    semanticEqual(a.metadata?.labels, b.metadata?.labels) &&
    semanticEqual(a.ports, b.ports) &&
    semanticEqual(a.endpoints, b.endpoints) &&
    a.addressType === b.addressType
  );
}

/** Upstream reconcileByPortMapping. */
function planByPortMapping(
  svc: Service,
  existing: readonly EndpointSlice[],
  desiredIn: ReadonlyMap<string, Endpoint>,
  addressType: AddressType,
  ports: EndpointPort[],
  max: number,
): SlicePlan {
  const desired = new Map(desiredIn);
  const labels = sliceLabels(svc);
  const byName = new Map<string, EndpointSlice>();
  const toUpdate = new Set<string>();
  const unchanged = new Set<string>();
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  // 1. Drop endpoints no longer desired, refresh those that changed.
  for (const s of existing) {
    const name = s.metadata?.name ?? '';
    byName.set(name, s);
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of s.endpoints) {
      const k = endpointKey(ep);
      const want = desired.get(k);
      if (want === undefined) continue;
      kept.push(want);
      if (!semanticEqual(want, ep)) changed = true;
      desired.delete(k);
    }
    const labelsChanged = !semanticEqual(s.metadata?.labels, labels);
    if (changed || kept.length !== s.endpoints.length) {
      if (kept.length === 0) {
        plan.delete.push(s);
      } else {
        const copy = structuredClone(s);
        copy.endpoints = kept;
        (copy.metadata ??= {}).labels = labels;
        byName.set(name, copy);
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      const copy = structuredClone(s);
      (copy.metadata ??= {}).labels = labels;
      byName.set(name, copy);
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }
  const pop = (): Endpoint | undefined => {
    const first = desired.entries().next();
    if (first.done === true) return undefined;
    desired.delete(first.value[0]);
    return first.value[1];
  };
  // 2. Fill the slices being updated anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate]
      .map((n) => byName.get(n))
      .filter((s): s is EndpointSlice => s !== undefined)
      .sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const s of slices) {
      while (desired.size > 0 && s.endpoints.length < max) {
        const ep = pop();
        if (ep !== undefined) s.endpoints.push(ep);
      }
    }
  }
  // 3. Put the rest into one unchanged slice with room for all of them, or into new slices.
  while (desired.size > 0) {
    let fill: EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const candidates = [...unchanged]
        .map((n) => byName.get(n))
        .filter((s): s is EndpointSlice => s !== undefined);
      const chosen = sliceToFill(candidates, desired.size, max);
      if (chosen !== undefined) {
        fill = structuredClone(chosen);
        byName.set(fill.metadata?.name ?? '', fill);
      }
    }
    fill ??= newSlice(svc, addressType, ports);
    while (desired.size > 0 && fill.endpoints.length < max) {
      const ep = pop();
      if (ep !== undefined) fill.endpoints.push(ep);
    }
    const name = fill.metadata?.name ?? '';
    if (name !== '') {
      toUpdate.add(name);
      unchanged.delete(name);
    } else {
      plan.create.push(fill);
    }
  }
  for (const n of toUpdate) {
    const s = byName.get(n);
    if (s !== undefined) plan.update.push(s);
  }
  return plan;
}

/** Upstream getSliceToFill: the fullest slice that still has room for `n` endpoints. */
function sliceToFill(
  slices: readonly EndpointSlice[],
  n: number,
  max: number,
): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  for (const s of slices) {
    const room = max - s.endpoints.length;
    if (room < n) continue;
    if (best === undefined || s.endpoints.length > best.endpoints.length) best = s;
  }
  return best;
}

/**
 * The EndpointSlice controller. The constructor registers its informers (pods, services,
 * endpointslices, nodes) with the factory; the caller starts the factory and calls `run`.
 */
export class EndpointSliceController {
  /** The controller's name (its registry key in the controller-manager). */
  static readonly controllerName = 'endpointslice-controller';
  /** The queue of Service keys (`ns/name`); exposed for tests. */
  readonly queue: RateLimitingQueue<string>;
  private readonly clientset: Clientset;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, err: unknown) => void) | undefined;
  private readonly max: number;
  private readonly pods: SharedInformer<Pod>;
  private readonly services: SharedInformer<Service>;
  private readonly slices: SharedInformer<EndpointSlice>;
  private readonly nodes: SharedInformer<Node>;
  private readonly triggerTimes = new TriggerTimeTracker();
  /** Generation last written per slice uid, and uids deleted: detects a stale cache. */
  private readonly written = new Map<string, number>();
  private readonly deleted = new Set<string>();

  constructor(opts: EndpointSliceControllerOptions) {
    this.clientset = opts.clientset;
    this.recorder = opts.recorder;
    this.onError = opts.onError;
    this.max = opts.maxEndpointsPerSlice ?? 100;
    this.queue = newRateLimitingQueue({ name: 'endpoint_slice' });
    this.pods = opts.informers.informer<Pod>(BUILTIN_RESOURCES.pods);
    this.services = opts.informers.informer<Service>(BUILTIN_RESOURCES.services);
    this.slices = opts.informers.informer<EndpointSlice>(BUILTIN_RESOURCES.endpointSlices);
    this.nodes = opts.informers.informer<Node>(BUILTIN_RESOURCES.nodes);
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
        for (const k of servicesToUpdateOnPodChange(this.services.lister, old, cur)) {
          this.queue.add(k);
        }
      },
      onDelete: (obj) => {
        addPodServices(unwrapTombstone(obj));
      },
    });
    const sliceChanged = (s: EndpointSlice): void => {
      const labels = s.metadata?.labels ?? {};
      const svc = labels[LABEL_SERVICE_NAME];
      if (labels[LABEL_MANAGED_BY] !== CONTROLLER_NAME || svc === undefined) return;
      this.queue.add(`${s.metadata?.namespace ?? ''}/${svc}`);
    };
    this.slices.addEventHandler({
      onAdd: sliceChanged,
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        sliceChanged(old);
        sliceChanged(cur);
      },
      onDelete: (obj) => {
        const s = unwrapTombstone(obj);
        this.deleted.delete(s.metadata?.uid ?? '');
        sliceChanged(s);
      },
    });
    // A node's zone feeds the endpoints of its pods: resync the Services of its pods.
    this.nodes.addEventHandler({
      onAdd: (node) => {
        this.nodeChanged(node);
      },
      onUpdate: (old, cur) => {
        if (
          old.metadata?.labels?.[LABEL_TOPOLOGY_ZONE] !==
          cur.metadata?.labels?.[LABEL_TOPOLOGY_ZONE]
        ) {
          this.nodeChanged(cur);
        }
      },
    });
  }

  private nodeChanged(node: Node): void {
    if (!this.pods.hasSynced()) return;
    const name = node.metadata?.name ?? '';
    for (const pod of this.pods.lister.list()) {
      if (pod.spec?.nodeName !== name) continue;
      for (const k of podServiceKeys(this.services.lister, pod)) this.queue.add(k);
    }
  }

  /** Waits for the caches, then runs `workers` workers until `signal` aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await Promise.all([
      this.pods.waitForSync(signal),
      this.services.waitForSync(signal),
      this.slices.waitForSync(signal),
      this.nodes.waitForSync(signal),
    ]);
    if (signal.aborted) {
      this.queue.shutDown();
      return;
    }
    await runWorkers(this.queue, workers, (key) => this.sync(key), {
      signal,
      ...(this.onError === undefined ? {} : { onError: this.onError }),
    });
  }

  /**
   * Reconciles the EndpointSlices of Service `key` (`ns/name`). A deleted Service's slices are
   * left to the garbage collector (they carry its owner reference). Idempotent; rejects (to be
   * retried) when the slice cache is older than this controller's own writes, or when pods
   * sit on nodes not in the cache (after writing the rest).
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const svc = this.services.lister.get(namespace, name);
    if (svc === undefined) {
      this.triggerTimes.deleteService(namespace, name);
      return;
    }
    if (svc.spec?.type === 'ExternalName') return;
    const selector = svc.spec?.selector;
    if (selector === undefined || Object.keys(selector).length === 0) return;
    const pods = this.pods.lister.list(namespace, selectorFromSet(selector));
    const slices = this.slices.lister
      .list(
        namespace,
        selectorFromSet({ [LABEL_SERVICE_NAME]: name, [LABEL_MANAGED_BY]: CONTROLLER_NAME }),
      )
      .filter((s) => s.metadata?.deletionTimestamp === undefined);
    for (const s of slices) {
      const uid = s.metadata?.uid ?? '';
      if (this.deleted.has(uid) || (s.metadata?.generation ?? 0) < (this.written.get(uid) ?? 0)) {
        throw new Error('EndpointSlice informer cache is out of date');
      }
    }
    const triggerTime = this.triggerTimes.compute(svc, pods);
    const plan = planSlices(svc, pods, slices, (n) => this.nodes.lister.get('', n), this.max);
    try {
      await this.apply(svc, plan, triggerTime);
    } catch (err) {
      this.recorder?.event(
        svc,
        'Warning',
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Service ${namespace}/${name}: ${errorMessage(err)}`,
      );
      throw err;
    }
    if (plan.skipped.length > 0) throw new Error(plan.skipped.join('; '));
  }

  /** Upstream Reconciler.finalize: writes the plan. */
  private async apply(svc: Service, plan: SlicePlan, triggerTime: number): Promise<void> {
    const ns = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const annotate = (s: EndpointSlice): void => {
      const meta = (s.metadata ??= {});
      const a = Object.fromEntries(
        Object.entries(meta.annotations ?? {}).filter(
          ([k]) => k !== ENDPOINTS_LAST_CHANGE_TRIGGER_TIME,
        ),
      );
      if (triggerTime !== 0) a[ENDPOINTS_LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
      meta.annotations = a;
    };
    const track = (s: EndpointSlice): void => {
      this.written.set(s.metadata?.uid ?? '', s.metadata?.generation ?? 0);
    };
    // No new slices for a Service being deleted: the garbage collector would race them.
    if (svc.metadata?.deletionTimestamp === undefined) {
      for (const s of plan.create) {
        annotate(s);
        try {
          track(await this.clientset.endpointSlices.create(ns, s));
        } catch (err) {
          if (statusCause(err, 'NamespaceTerminating') !== undefined) return;
          throw new Error(
            `failed to create EndpointSlice for Service ${ns}/${name}: ${errorMessage(err)}`,
            { cause: err },
          );
        }
      }
    }
    for (const s of plan.update) {
      annotate(s);
      try {
        track(await this.clientset.endpointSlices.update(ns, s));
      } catch (err) {
        throw new Error(
          `failed to update ${s.metadata?.name ?? ''} EndpointSlice for Service ${ns}/${name}: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
    for (const s of plan.delete) {
      try {
        await this.clientset.endpointSlices.delete(ns, s.metadata?.name ?? '');
      } catch (err) {
        if (isNotFound(err)) continue;
        throw new Error(
          `failed to delete ${s.metadata?.name ?? ''} EndpointSlice for Service ${ns}/${name}: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      this.deleted.add(s.metadata?.uid ?? '');
      this.written.delete(s.metadata?.uid ?? '');
    }
  }
}

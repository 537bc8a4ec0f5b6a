// Quota evaluators: how much of which quota resource one object uses, and which quota scopes it
// falls in. Ported from pkg/quota/v1/evaluator/core (pods.go, services.go,
// persistent_volume_claims.go, registry.go) and apiserver/pkg/quota/v1/generic (object count),
// with Kubernetes 1.32's default feature gates.
import type {
  PersistentVolumeClaim,
  Pod,
  PodAffinityTerm,
  ResourceQuota,
  ScopedResourceSelectorRequirement,
  Service,
} from 'kubernetes-types/core/v1.js';
import type { GroupResource } from '../errors.ts';
import { newQuantity, ZERO_QUANTITY } from '../quantity.ts';
import type { Quantity } from '../quantity.ts';
import { isQualifiedName } from '../validation/index.ts';
import type { JsonObject, PluginAttributes } from './attributes.ts';
import { getPodQOS, podLimits, podRequests } from './pod-resources.ts';
import { addResources, ONE, resourceListFromWire } from './resources.ts';
import type { ResourceList } from './resources.ts';

/** The quota resource name counting objects of a group/resource: `count/<resource>[.<group>]`. */
export function objectCountResourceName(gr: GroupResource): string {
  return gr.group === '' ? `count/${gr.resource}` : `count/${gr.resource}.${gr.group}`;
}

/** Parses `count/<resource>[.<group>]` back to its group/resource, or undefined. */
export function parseObjectCountResourceName(name: string): GroupResource | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  if (rest === '') return undefined;
  const dot = rest.indexOf('.');
  return dot < 0
    ? { group: '', resource: rest }
    : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/**
 * Measures quota usage of one kind of object (upstream quota.Evaluator, minus listing: the
 * caller supplies objects). Evaluators are stateless and shared.
 */
export interface QuotaEvaluator {
  readonly groupResource: GroupResource;
  /** Whether a request can change this kind's usage (upstream Handles). */
  handles(attrs: PluginAttributes): boolean;
  /** The subset of `names` this evaluator tracks, deduplicated and sorted. */
  matchingResources(names: Iterable<string>): string[];
  /** Whether the object falls in one scope selector. Throws Error for an invalid selector. */
  matchesScope(selector: ScopedResourceSelectorRequirement, obj: JsonObject): boolean;
  /**
   * The object's usage. `now` (ms since epoch) decides whether a pod stuck terminating past its
   * grace period is still charged. Returns a new map.
   */
  usage(obj: JsonObject, now: number): ResourceList;
  /**
   * A message when the object lacks something a quota tracking `required` demands (pods
   * without cpu/memory requests or limits), else undefined.
   */
  constraints(required: readonly string[], obj: JsonObject): string | undefined;
}

/** The scope selectors of a quota: spec.scopes as `Exists`, then spec.scopeSelector's. */
export function quotaScopeSelectors(quota: ResourceQuota): ScopedResourceSelectorRequirement[] {
  const out: ScopedResourceSelectorRequirement[] = [];
  for (const scopeName of quota.spec?.scopes ?? []) out.push({ scopeName, operator: 'Exists' });
  for (const s of quota.spec?.scopeSelector?.matchExpressions ?? []) out.push(s);
  return out;
}

/**
 * Whether the quota applies to the object: it tracks at least one resource of this kind (from
 * status.hard, as upstream) and the object matches every scope selector (upstream
 * generic.Matches).
 */
export function quotaMatches(
  evaluator: QuotaEvaluator,
  quota: ResourceQuota,
  obj: JsonObject,
): boolean {
  if (evaluator.matchingResources(Object.keys(quota.status?.hard ?? {})).length === 0) return false;
  for (const s of quotaScopeSelectors(quota)) if (!evaluator.matchesScope(s, obj)) return false;
  return true;
}

function intersectSorted(input: Iterable<string>, allowed: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const n of input) if (allowed.has(n)) out.add(n);
  return [...out].sort();
}

// ---- pods -----------------------------------------------------------------------------------

const POD_COUNT = 'count/pods';
const POD_RESOURCES = new Set([
  POD_COUNT,
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
]);
const POD_RESOURCE_PREFIXES = ['hugepages-', 'requests.hugepages-'];
const REQUESTS_PREFIX = 'requests.';

/**
 * Resources whose presence a quota forces on every container (an upstream backward-compat
 * rule; deliberately not extended to newer resources).
 */
const VALIDATION_SET = new Set([
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
]);

/** Upstream helper.IsNativeResource: no domain, or a kubernetes.io domain. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Upstream helper.IsExtendedResourceName (v1). */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return isQualifiedName(REQUESTS_PREFIX + name).length === 0;
}

function isExtendedResourceNameForQuota(name: string): boolean {
  return !isNativeResource(name) && name.startsWith(REQUESTS_PREFIX);
}

/** Upstream podComputeUsageHelper: quota names charged for the given requests and limits. */
function podComputeUsage(requests: ResourceList, limits: ResourceList): Map<string, Quantity> {
  const out = new Map<string, Quantity>([['pods', ONE]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req !== undefined) {
      out.set(r, req);
      out.set(REQUESTS_PREFIX + r, req);
    }
    const lim = limits.get(r);
    if (lim !== undefined) out.set(`limits.${r}`, lim);
  }
  for (const [name, req] of requests) {
    if (name.startsWith('hugepages-')) {
      out.set(name, req);
      out.set(REQUESTS_PREFIX + name, req);
    }
    if (isExtendedResourceName(name)) out.set(REQUESTS_PREFIX + name, req);
  }
  return out;
}

/**
 * Whether a pod still counts against compute quota: not in a terminal phase, and not stuck
 * terminating past deletionTimestamp + deletionGracePeriodSeconds (upstream QuotaV1Pod).
 */
export function isPodQuotaCharged(pod: Pod, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (ts !== undefined && grace !== undefined) {
    const deletion = Date.parse(ts);
    if (!Number.isNaN(deletion) && now > deletion + grace * 1000) return false;
  }
  return true;
}

/**
 * The quota usage of a pod (upstream PodUsageFunc): always `count/pods: 1`; while charged also
 * `pods: 1` and the requests/limits of cpu, memory, ephemeral-storage, hugepages and extended
 * resources. Returns a new map the caller owns.
 */
export function podUsage(pod: Pod, now: number = Date.now()): Map<string, Quantity> {
  const result = new Map<string, Quantity>([[POD_COUNT, ONE]]);
  if (!isPodQuotaCharged(pod, now)) return result;
  return addResources(result, podComputeUsage(podRequests(pod), podLimits(pod)));
}

function isTerminating(pod: Pod): boolean {
  const ads = pod.spec?.activeDeadlineSeconds;
  return ads !== undefined && ads >= 0;
}

function crossNamespaceTerm(t: PodAffinityTerm): boolean {
  return (t.namespaces?.length ?? 0) !== 0 || t.namespaceSelector !== undefined;
}

/** Whether any pod (anti-)affinity term reaches other namespaces. */
function usesCrossNamespacePodAffinity(pod: Pod): boolean {
  const aff = pod.spec?.affinity;
  if (aff === undefined) return false;
  for (const a of [aff.podAffinity, aff.podAntiAffinity]) {
    if (a === undefined) continue;
    if ((a.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(crossNamespaceTerm)) {
      return true;
    }
    const preferred = a.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (preferred.some((w) => crossNamespaceTerm(w.podAffinityTerm))) return true;
  }
  return false;
}

/**
 * Evaluates a scope selector against the single label `<scopeName>=<value>` (absent when
 * value is ''), like upstream ScopedResourceSelectorRequirementsAsSelector + Matches.
 */
function selectorMatchesValue(sel: ScopedResourceSelectorRequirement, value: string): boolean {
  const present = value !== '';
  const values = sel.values ?? [];
  switch (sel.operator) {
    case 'In':
      return present && values.includes(value);
    case 'NotIn':
      return !present || !values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      throw new Error(`"${sel.operator}" is not a valid scope selector operator`);
  }
}

/**
 * Whether a pod falls in a quota scope (upstream podMatchesScopeFunc): Terminating /
 * NotTerminating (activeDeadlineSeconds), BestEffort / NotBestEffort (QoS), PriorityClass (by
 * operator over spec.priorityClassName), CrossNamespacePodAffinity. Unknown scopes match
 * nothing. Throws Error for an invalid PriorityClass operator.
 */
export function podMatchesScope(sel: ScopedResourceSelectorRequirement, pod: Pod): boolean {
  switch (sel.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return getPodQOS(pod) === 'BestEffort';
    case 'NotBestEffort':
      return getPodQOS(pod) !== 'BestEffort';
    case 'PriorityClass':
      if (sel.operator === 'Exists') return (pod.spec?.priorityClassName ?? '') !== '';
      return selectorMatchesValue(sel, pod.spec?.priorityClassName ?? '');
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    default:
      return false;
  }
}

/** Upstream enforcePodContainerConstraints, collecting names per missing resource. */
function collectMissing(
  containers: readonly { name: string; resources?: { requests?: object; limits?: object } }[],
  required: ReadonlySet<string>,
  missing: Map<string, Set<string>>,
): void {
  for (const c of containers) {
    const usage = podComputeUsage(
      resourceListFromWire(c.resources?.requests as Record<string, string> | undefined),
      resourceListFromWire(c.resources?.limits as Record<string, string> | undefined),
    );
    for (const r of required) {
      if (usage.has(r)) continue;
      let names = missing.get(r);
      if (names === undefined) {
        names = new Set();
        missing.set(r, names);
      }
      names.add(c.name);
    }
  }
}

const podEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'pods' },
  handles(attrs) {
    // 1.32 with InPlacePodVerticalScaling off: only creation changes a pod's charge.
    return attrs.operation === 'CREATE';
  },
  matchingResources(names) {
    const out = new Set<string>();
    for (const n of names) {
      if (POD_RESOURCES.has(n)) out.add(n);
      else if (POD_RESOURCE_PREFIXES.some((p) => n.startsWith(p))) out.add(n);
      else if (isExtendedResourceNameForQuota(n)) out.add(n);
    }
    return [...out].sort();
  },
  matchesScope(sel, obj) {
    return podMatchesScope(sel, obj);
  },
  usage(obj, now) {
    return podUsage(obj, now);
  },
  constraints(required, obj) {
    const pod = obj as Pod;
    const req = new Set(required.filter((r) => VALIDATION_SET.has(r)));
    if (req.size === 0) return undefined;
    const missing = new Map<string, Set<string>>();
    collectMissing(pod.spec?.containers ?? [], req, missing);
    collectMissing(pod.spec?.initContainers ?? [], req, missing);
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()]
      .sort()
      .map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

// ---- services -------------------------------------------------------------------------------

const SERVICE_RESOURCES = new Set([
  'count/services',
  'services',
  'services.nodeports',
  'services.loadbalancers',
]);

/**
 * The quota usage of a service (upstream serviceEvaluator.Usage): `count/services` and
 * `services` 1; `services.nodeports` one per port for NodePort and LoadBalancer services (for
 * a LoadBalancer with allocateLoadBalancerNodePorts false, only ports with an explicit
 * nodePort); `services.loadbalancers` 1 for LoadBalancer. Returns a new map.
 */
export function serviceUsage(svc: Service): Map<string, Quantity> {
  const ports = svc.spec?.ports ?? [];
  const out = new Map<string, Quantity>([
    ['count/services', ONE],
    ['services', ONE],
    ['services.loadbalancers', ZERO_QUANTITY],
    ['services.nodeports', ZERO_QUANTITY],
  ]);
  switch (svc.spec?.type) {
    case 'NodePort':
      out.set('services.nodeports', newQuantity(ports.length, 'DecimalSI'));
      break;
    case 'LoadBalancer': {
      const count =
        svc.spec.allocateLoadBalancerNodePorts === false
          ? ports.filter((p) => (p.nodePort ?? 0) !== 0).length
          : ports.length;
      out.set('services.nodeports', newQuantity(count, 'DecimalSI'));
      out.set('services.loadbalancers', ONE);
      break;
    }
    default:
      break;
  }
  return out;
}

const serviceEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'services' },
  handles(attrs) {
    // A service's type (and so its node ports) can change on update.
    return attrs.operation === 'CREATE' || attrs.operation === 'UPDATE';
  },
  matchingResources(names) {
    return intersectSorted(names, SERVICE_RESOURCES);
  },
  matchesScope() {
    return false;
  },
  usage(obj) {
    return serviceUsage(obj);
  },
  constraints() {
    return undefined;
  },
};

// ---- persistent volume claims ---------------------------------------------------------------

const PVC_COUNT = 'count/persistentvolumeclaims';
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

/** The claim's storage class: the beta annotation if present, else spec.storageClassName. */
function pvcStorageClass(pvc: PersistentVolumeClaim): string {
  const ann = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (ann !== undefined) return ann;
  return pvc.spec?.storageClassName ?? '';
}

/** Storage requested, rounded up to whole bytes; the larger allocated size once resized. */
function pvcStorage(pvc: PersistentVolumeClaim): Quantity | undefined {
  const roundUp = (q: Quantity): Quantity => {
    const r = q.roundUp(0);
    return r.exact ? q : r.quantity;
  };
  const req = resourceListFromWire(pvc.spec?.resources?.requests).get('storage');
  let result = req === undefined ? undefined : roundUp(req);
  const allocated = resourceListFromWire(pvc.status?.allocatedResources).get('storage');
  if (result !== undefined && allocated !== undefined && allocated.cmp(result) > 0) {
    result = roundUp(allocated);
  }
  return result;
}

/**
 * The quota usage of a claim (upstream pvcEvaluator.Usage): `persistentvolumeclaims` and
 * `count/persistentvolumeclaims` 1, `requests.storage`, and both again under
 * `<class>.storageclass.storage.k8s.io/` when the claim names a storage class.
 */
export function pvcUsage(pvc: PersistentVolumeClaim): Map<string, Quantity> {
  const out = new Map<string, Quantity>([
    ['persistentvolumeclaims', ONE],
    [PVC_COUNT, ONE],
  ]);
  const sc = pvcStorageClass(pvc);
  if (sc !== '') out.set(`${sc}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
  const storage = pvcStorage(pvc);
  if (storage !== undefined) {
    out.set('requests.storage', storage);
    if (sc !== '') out.set(`${sc}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
  }
  return out;
}

const pvcEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'persistentvolumeclaims' },
  handles(attrs) {
    return attrs.operation === 'CREATE' || attrs.operation === 'UPDATE';
  },
  matchingResources(names) {
    const out = new Set<string>();
    for (const n of names) {
      if (n === PVC_COUNT || PVC_RESOURCES.includes(n)) out.add(n);
      else if (PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r))) out.add(n);
    }
    return [...out].sort();
  },
  matchesScope() {
    // VolumeAttributesClass scopes are behind a gate that 1.32 leaves off.
    return false;
  },
  usage(obj) {
    return pvcUsage(obj);
  },
  constraints() {
    return undefined;
  },
};

// ---- object count ---------------------------------------------------------------------------

/**
 * An evaluator that counts objects of one resource as `count/<resource>.<group>` (plus a
 * legacy alias such as `secrets`); only creation changes it (upstream objectCountEvaluator).
 */
export function newObjectCountEvaluator(gr: GroupResource, alias?: string): QuotaEvaluator {
  const names = new Set([objectCountResourceName(gr)]);
  if (alias !== undefined && alias !== '') names.add(alias);
  return {
    groupResource: { group: gr.group, resource: gr.resource },
    handles(attrs) {
      return attrs.operation === 'CREATE';
    },
    matchingResources(input) {
      return intersectSorted(input, names);
    },
    matchesScope() {
      return false;
    },
    usage() {
      const out = new Map<string, Quantity>();
      for (const n of names) out.set(n, ONE);
      return out;
    },
    constraints() {
      return undefined;
    },
  };
}

// ---- registry -------------------------------------------------------------------------------

function grKey(gr: GroupResource): string {
  return `${gr.resource}.${gr.group}`;
}

/** Virtual or unquota-ed resources (upstream install.DefaultIgnoredResources). */
const IGNORED = new Set(
  [
    ['', 'bindings'],
    ['', 'componentstatuses'],
    ['authentication.k8s.io', 'tokenreviews'],
    ['authentication.k8s.io', 'selfsubjectreviews'],
    ['authorization.k8s.io', 'subjectaccessreviews'],
    ['authorization.k8s.io', 'selfsubjectaccessreviews'],
    ['authorization.k8s.io', 'localsubjectaccessreviews'],
    ['authorization.k8s.io', 'selfsubjectrulesreviews'],
    ['', 'events'],
    ['events.k8s.io', 'events'],
  ].map(([group, resource]) => grKey({ group: group ?? '', resource: resource ?? '' })),
);

/** Whether quota ignores a resource altogether (events, review resources, bindings...). */
export function isQuotaIgnoredResource(gr: GroupResource): boolean {
  return IGNORED.has(grKey(gr));
}

const BUILTIN = new Map<string, QuotaEvaluator>();
for (const e of [podEvaluator, serviceEvaluator, pvcEvaluator])
  BUILTIN.set(grKey(e.groupResource), e);
for (const [resource, alias] of [
  ['configmaps', 'configmaps'],
  ['resourcequotas', 'resourcequotas'],
  ['replicationcontrollers', 'replicationcontrollers'],
  ['secrets', 'secrets'],
] as const) {
  const e = newObjectCountEvaluator({ group: '', resource }, alias);
  BUILTIN.set(grKey(e.groupResource), e);
}

/** The evaluators with special logic or legacy names (upstream core.NewEvaluators). */
export function builtinEvaluators(): readonly QuotaEvaluator[] {
  return [...BUILTIN.values()];
}

/**
 * Object-count evaluators made on demand. Bounded by the number of resources the server serves
 * (built-ins plus CRDs), so the cache cannot grow without limit.
 */
const generic = new Map<string, QuotaEvaluator>();

/**
 * The evaluator for a group/resource: pods, services, persistentvolumeclaims and the legacy
 * aliased kinds have their own; every other resource gets a shared object-count evaluator.
 * Undefined for ignored resources.
 */
export function evaluatorFor(gr: GroupResource): QuotaEvaluator | undefined {
  const key = grKey(gr);
  if (IGNORED.has(key)) return undefined;
  const builtin = BUILTIN.get(key);
  if (builtin !== undefined) return builtin;
  let e = generic.get(key);
  if (e === undefined) {
    e = newObjectCountEvaluator(gr);
    generic.set(key, e);
  }
  return e;
}

/**
 * The quota usage of an object of the given group/resource (the evaluator's usage), or an
 * empty list for ignored resources. `now` defaults to the current time.
 */
export function usageFor(
  gr: GroupResource,
  obj: JsonObject,
  now: number = Date.now(),
): ResourceList {
  const e = evaluatorFor(gr);
  return e === undefined ? new Map() : e.usage(obj, now);
}

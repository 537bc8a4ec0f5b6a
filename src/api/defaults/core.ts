// core/v1 defaulting: pkg/apis/core/v1/defaults.go, the declarative `+default` markers of
// k8s.io/api/core/v1 and zz_generated.defaults.go (which nested defaulters run where), as of
// Kubernetes 1.32 with its default feature gates. Gated-off alpha defaulting (PodLevelResources,
// ImageVolume pull policy, PodLogsQuerySplitStreams) is deliberately absent.
import { defaultPullPolicy } from './image.ts';
import {
  child,
  copyMap,
  defaultEmptyString,
  defaultUnset,
  defaultZero,
  ensureChild,
  isEmptyList,
  isEmptyMap,
  isObject,
  isUnset,
  items,
  roundResourceList,
} from './walk.ts';
import type { JsonObject } from './walk.ts';

/** v1.DefaultTerminationGracePeriodSeconds. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** v1.DefaultSchedulerName. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** v1.TerminationMessagePathDefault. */
export const TERMINATION_MESSAGE_PATH_DEFAULT = '/dev/termination-log';
/** Default file mode (0644) of secret, configMap, downwardAPI and projected volumes. */
export const VOLUME_SOURCE_DEFAULT_MODE = 0o644;
/** v1.DefaultClientIPServiceAffinitySeconds (3 hours). */
export const DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 10800;
/** Default lifetime of a projected service account token (one hour). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** v1.LabelMetadataName: the immutable label every namespace carries with its own name. */
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';

/** SetDefaults_ObjectFieldSelector: fieldRef.apiVersion defaults to v1. */
function setObjectFieldSelectorDefaults(o: JsonObject): void {
  defaultEmptyString(o, 'apiVersion', 'v1');
}

/** SetDefaults_HTTPGetAction. */
function setHTTPGetDefaults(o: JsonObject): void {
  defaultEmptyString(o, 'path', '/');
  defaultEmptyString(o, 'scheme', 'HTTP');
}

/** SetDefaults_Probe plus the nested httpGet defaults and grpc.service's `+default=""`. */
function setProbeDefaults(p: JsonObject): void {
  defaultZero(p, 'timeoutSeconds', 1);
  defaultZero(p, 'periodSeconds', 10);
  defaultZero(p, 'successThreshold', 1);
  defaultZero(p, 'failureThreshold', 3);
  const httpGet = child(p, 'httpGet');
  if (httpGet !== undefined) setHTTPGetDefaults(httpGet);
  const grpc = child(p, 'grpc');
  if (grpc !== undefined) defaultUnset(grpc, 'service', '');
}

/**
 * SetDefaults_Container and the generated per-container defaulting (ports protocol TCP, env
 * fieldRef apiVersion, resource rounding, probes, lifecycle httpGet). Also used for ephemeral
 * containers, which share the container fields.
 */
export function setContainerDefaults(c: JsonObject): void {
  if (isUnset(c['imagePullPolicy']) || c['imagePullPolicy'] === '') {
    const image = typeof c['image'] === 'string' ? c['image'] : '';
    c['imagePullPolicy'] = defaultPullPolicy(image);
  }
  defaultEmptyString(c, 'terminationMessagePath', TERMINATION_MESSAGE_PATH_DEFAULT);
  defaultEmptyString(c, 'terminationMessagePolicy', 'File');
  for (const port of items(c, 'ports')) defaultEmptyString(port, 'protocol', 'TCP');
  for (const env of items(c, 'env')) {
    const fieldRef = child(child(env, 'valueFrom') ?? {}, 'fieldRef');
    if (fieldRef !== undefined) setObjectFieldSelectorDefaults(fieldRef);
  }
  const resources = child(c, 'resources');
  roundResourceList(resources, 'limits');
  roundResourceList(resources, 'requests');
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = child(c, probe);
    if (p !== undefined) setProbeDefaults(p);
  }
  const lifecycle = child(c, 'lifecycle');
  if (lifecycle !== undefined) {
    for (const hook of ['postStart', 'preStop']) {
      const httpGet = child(child(lifecycle, hook) ?? {}, 'httpGet');
      if (httpGet !== undefined) setHTTPGetDefaults(httpGet);
    }
  }
}

/** SetDefaults_HostPathVolumeSource: type "" (HostPathUnset) when nil. */
function setHostPathDefaults(o: JsonObject): void {
  defaultUnset(o, 'type', '');
}

/** The declarative defaults of the legacy in-tree RBD sources (volume and persistent volume). */
function setRBDDefaults(o: JsonObject): void {
  defaultEmptyString(o, 'pool', 'rbd');
  defaultEmptyString(o, 'user', 'admin');
  defaultEmptyString(o, 'keyring', '/etc/ceph/keyring');
}

/** The declarative default of the iSCSI sources' interface. */
function setISCSIDefaults(o: JsonObject): void {
  defaultEmptyString(o, 'iscsiInterface', 'default');
}

/** The declarative defaults of the Azure disk source (all pointer fields). */
function setAzureDiskDefaults(o: JsonObject): void {
  defaultUnset(o, 'cachingMode', 'ReadWrite');
  defaultUnset(o, 'fsType', 'ext4');
  defaultUnset(o, 'readOnly', false);
  defaultUnset(o, 'kind', 'Shared');
}

/** The declarative defaults of the ScaleIO sources. */
function setScaleIODefaults(o: JsonObject): void {
  defaultEmptyString(o, 'storageMode', 'ThinProvisioned');
  defaultEmptyString(o, 'fsType', 'xfs');
}

/** SetDefaults_PersistentVolumeClaimSpec plus its generated resource rounding. */
export function setPersistentVolumeClaimSpecDefaults(spec: JsonObject): void {
  defaultUnset(spec, 'volumeMode', 'Filesystem');
  const resources = child(spec, 'resources');
  roundResourceList(resources, 'limits');
  roundResourceList(resources, 'requests');
}

/**
 * SetDefaults_Volume and the generated per-source defaulting. A volume with no source at all
 * becomes an emptyDir (every key other than `name` is a volume source).
 */
export function setVolumeDefaults(v: JsonObject): void {
  const hasSource = Object.entries(v).some(([k, val]) => k !== 'name' && !isUnset(val));
  if (!hasSource) v['emptyDir'] = {};
  const hostPath = child(v, 'hostPath');
  if (hostPath !== undefined) setHostPathDefaults(hostPath);
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const source = child(v, key);
    if (source !== undefined) defaultUnset(source, 'defaultMode', VOLUME_SOURCE_DEFAULT_MODE);
  }
  const iscsi = child(v, 'iscsi');
  if (iscsi !== undefined) setISCSIDefaults(iscsi);
  const rbd = child(v, 'rbd');
  if (rbd !== undefined) setRBDDefaults(rbd);
  const downwardAPI = child(v, 'downwardAPI');
  if (downwardAPI !== undefined) {
    for (const item of items(downwardAPI, 'items')) {
      const fieldRef = child(item, 'fieldRef');
      if (fieldRef !== undefined) setObjectFieldSelectorDefaults(fieldRef);
    }
  }
  const azureDisk = child(v, 'azureDisk');
  if (azureDisk !== undefined) setAzureDiskDefaults(azureDisk);
  const projected = child(v, 'projected');
  if (projected !== undefined) {
    for (const source of items(projected, 'sources')) {
      const sourceDownwardAPI = child(source, 'downwardAPI');
      if (sourceDownwardAPI !== undefined) {
        for (const item of items(sourceDownwardAPI, 'items')) {
          const fieldRef = child(item, 'fieldRef');
          if (fieldRef !== undefined) setObjectFieldSelectorDefaults(fieldRef);
        }
      }
      const token = child(source, 'serviceAccountToken');
      if (token !== undefined)
        defaultUnset(token, 'expirationSeconds', DEFAULT_TOKEN_EXPIRATION_SECONDS);
    }
  }
  const scaleIO = child(v, 'scaleIO');
  if (scaleIO !== undefined) setScaleIODefaults(scaleIO);
  const claimTemplate = child(child(v, 'ephemeral') ?? {}, 'volumeClaimTemplate');
  if (claimTemplate !== undefined) {
    const spec = ensureChild(claimTemplate, 'spec');
    if (spec !== undefined) setPersistentVolumeClaimSpecDefaults(spec);
  }
}

/**
 * SetDefaults_PodSpec and everything generated beneath a PodSpec: what every pod template
 * (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, PodTemplate,
 * ReplicationController) and the Pod itself get.
 */
export function setPodSpecDefaults(spec: JsonObject): void {
  defaultEmptyString(spec, 'dnsPolicy', 'ClusterFirst');
  defaultEmptyString(spec, 'restartPolicy', 'Always');
  defaultUnset(spec, 'securityContext', {});
  defaultUnset(spec, 'terminationGracePeriodSeconds', DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  defaultEmptyString(spec, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  for (const volume of items(spec, 'volumes')) setVolumeDefaults(volume);
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of items(spec, key)) setContainerDefaults(c);
  }
  roundResourceList(spec, 'overhead');
  const resources = child(spec, 'resources');
  roundResourceList(resources, 'limits');
  roundResourceList(resources, 'requests');
}

/** PodTemplateSpec: its spec is a struct, so it is defaulted even when absent. */
export function setPodTemplateSpecDefaults(template: JsonObject): void {
  const spec = ensureChild(template, 'spec');
  if (spec !== undefined) setPodSpecDefaults(spec);
}

/**
 * Copies limits into requests for each resource without a request (SetDefaults_Pod). Only
 * Pods get this, never templates: a template's requests stay what the user wrote.
 */
function defaultRequestsFromLimits(c: JsonObject): void {
  const resources = child(c, 'resources');
  if (resources === undefined) return;
  const limits = child(resources, 'limits');
  if (limits === undefined) return;
  const existing = resources['requests'];
  if (!isUnset(existing) && !isObject(existing)) return;
  const requests: JsonObject = isObject(existing) ? existing : {};
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in requests)) requests[key] = value;
  }
  // Go makes an empty map here, which the wire form omits; do not invent `requests: {}`.
  if (isObject(existing) || Object.keys(requests).length > 0) resources['requests'] = requests;
}

/** With host networking, every container port's hostPort defaults to its containerPort. */
function defaultHostNetworkPorts(containers: JsonObject[]): void {
  for (const c of containers) {
    for (const port of items(c, 'ports')) {
      if (isUnset(port['hostPort']) || port['hostPort'] === 0) {
        port['hostPort'] = isUnset(port['containerPort']) ? 0 : port['containerPort'];
      }
    }
  }
}

/** SetObjectDefaults_Pod: SetDefaults_Pod, then the PodSpec defaults, then status rounding. */
export function setPodDefaults(pod: JsonObject): void {
  const spec = ensureChild(pod, 'spec');
  if (spec !== undefined) {
    for (const c of items(spec, 'containers')) defaultRequestsFromLimits(c);
    for (const c of items(spec, 'initContainers')) defaultRequestsFromLimits(c);
    defaultUnset(spec, 'enableServiceLinks', true);
    if (spec['hostNetwork'] === true) {
      defaultHostNetworkPorts(items(spec, 'containers'));
      defaultHostNetworkPorts(items(spec, 'initContainers'));
    }
    setPodSpecDefaults(spec);
  }
  const status = child(pod, 'status');
  if (status !== undefined) {
    for (const key of [
      'initContainerStatuses',
      'containerStatuses',
      'ephemeralContainerStatuses',
    ]) {
      for (const cs of items(status, key)) {
        roundResourceList(cs, 'allocatedResources');
        const resources = child(cs, 'resources');
        roundResourceList(resources, 'limits');
        roundResourceList(resources, 'requests');
      }
    }
  }
}

/** PodTemplate: only the template's PodSpec defaults (no SetDefaults_Pod). */
export function setPodTemplateDefaults(obj: JsonObject): void {
  const template = ensureChild(obj, 'template');
  if (template !== undefined) setPodTemplateSpecDefaults(template);
}

/** The object's metadata, created when absent (ObjectMeta is a struct). */
function metadataOf(obj: JsonObject): JsonObject | undefined {
  return ensureChild(obj, 'metadata');
}

/**
 * ReplicationController: selector and labels from the template's labels when empty, replicas 1
 * (declarative), and the template's PodSpec defaults. The template is a pointer: an RC without
 * one gets no pod defaults.
 */
export function setReplicationControllerDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  const template = child(spec, 'template');
  const templateLabels =
    template === undefined ? undefined : child(child(template, 'metadata') ?? {}, 'labels');
  // An empty label map would be copied as an empty map, which the wire form omits: skip it.
  if (templateLabels !== undefined && !isEmptyMap(templateLabels)) {
    if (isEmptyMap(spec['selector'])) spec['selector'] = copyMap(templateLabels);
    const metadata = metadataOf(obj);
    if (metadata !== undefined && isEmptyMap(metadata['labels'])) {
      metadata['labels'] = copyMap(templateLabels);
    }
  }
  defaultUnset(spec, 'replicas', 1);
  if (template !== undefined) setPodTemplateSpecDefaults(template);
}

/** Whether a service is reachable from outside the cluster (pkg/api/v1/service). */
function externallyAccessible(spec: JsonObject): boolean {
  const type = spec['type'];
  return (
    type === 'LoadBalancer' ||
    type === 'NodePort' ||
    (type === 'ClusterIP' && !isEmptyList(spec['externalIPs']))
  );
}

/**
 * SetDefaults_Service. clusterIP(s), ipFamilies, ipFamilyPolicy and nodePorts are not defaults:
 * the registry allocates them on create.
 */
export function setServiceDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  defaultEmptyString(spec, 'sessionAffinity', 'None');
  if (spec['sessionAffinity'] === 'None') {
    delete spec['sessionAffinityConfig'];
  }
  if (spec['sessionAffinity'] === 'ClientIP') {
    const config = child(spec, 'sessionAffinityConfig');
    const clientIP = config === undefined ? undefined : child(config, 'clientIP');
    if (clientIP === undefined || isUnset(clientIP['timeoutSeconds'])) {
      spec['sessionAffinityConfig'] = {
        clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS },
      };
    }
  }
  defaultEmptyString(spec, 'type', 'ClusterIP');
  for (const port of items(spec, 'ports')) {
    defaultEmptyString(port, 'protocol', 'TCP');
    const target = port['targetPort'];
    if (isUnset(target) || target === 0 || target === '') {
      port['targetPort'] = typeof port['port'] === 'number' ? port['port'] : 0;
    }
  }
  if (externallyAccessible(spec)) defaultEmptyString(spec, 'externalTrafficPolicy', 'Cluster');
  const type = spec['type'];
  if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') {
    defaultUnset(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (type === 'LoadBalancer') {
    defaultUnset(spec, 'allocateLoadBalancerNodePorts', true);
    const loadBalancer = child(child(obj, 'status') ?? {}, 'loadBalancer');
    for (const ingress of loadBalancer === undefined ? [] : items(loadBalancer, 'ingress')) {
      if (typeof ingress['ip'] === 'string' && ingress['ip'] !== '') {
        defaultUnset(ingress, 'ipMode', 'VIP');
      }
    }
  }
}

/** SetDefaults_Endpoints: subset ports default to TCP. */
export function setEndpointsDefaults(obj: JsonObject): void {
  for (const subset of items(obj, 'subsets')) {
    for (const port of items(subset, 'ports')) defaultEmptyString(port, 'protocol', 'TCP');
  }
}

/**
 * SetDefaults_Namespace and SetDefaults_NamespaceStatus: the `kubernetes.io/metadata.name`
 * label always equals the name (it is overwritten, not only defaulted) and status.phase is
 * Active. A namespace without a name (generateName) gets the label later, in the registry's
 * canonicalize step. spec.finalizers [kubernetes] is set by the registry, not here.
 */
export function setNamespaceDefaults(obj: JsonObject): void {
  const metadata = metadataOf(obj);
  const name = metadata?.['name'];
  if (metadata !== undefined && typeof name === 'string' && name.length > 0) {
    const labels = ensureChild(metadata, 'labels');
    if (labels !== undefined) labels[LABEL_METADATA_NAME] = name;
  }
  const status = ensureChild(obj, 'status');
  if (status !== undefined) defaultEmptyString(status, 'phase', 'Active');
}

/**
 * The generated defaulting beneath a PersistentVolumeSpec: capacity rounding and the volume
 * source defaults. Also what a VolumeAttachment's inline volume spec gets.
 */
export function setPersistentVolumeSpecDefaults(spec: JsonObject): void {
  roundResourceList(spec, 'capacity');
  const hostPath = child(spec, 'hostPath');
  if (hostPath !== undefined) setHostPathDefaults(hostPath);
  const rbd = child(spec, 'rbd');
  if (rbd !== undefined) setRBDDefaults(rbd);
  const iscsi = child(spec, 'iscsi');
  if (iscsi !== undefined) setISCSIDefaults(iscsi);
  const azureDisk = child(spec, 'azureDisk');
  if (azureDisk !== undefined) setAzureDiskDefaults(azureDisk);
  const scaleIO = child(spec, 'scaleIO');
  if (scaleIO !== undefined) setScaleIODefaults(scaleIO);
}

/**
 * SetDefaults_PersistentVolume: status.phase Pending, persistentVolumeReclaimPolicy Retain,
 * volumeMode Filesystem; then the spec's source defaults.
 */
export function setPersistentVolumeDefaults(obj: JsonObject): void {
  const status = ensureChild(obj, 'status');
  if (status !== undefined) defaultEmptyString(status, 'phase', 'Pending');
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  defaultEmptyString(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  defaultUnset(spec, 'volumeMode', 'Filesystem');
  setPersistentVolumeSpecDefaults(spec);
}

/**
 * SetObjectDefaults_PersistentVolumeClaim: status.phase Pending, spec.volumeMode Filesystem,
 * quantities rounded. Also applied to StatefulSet volumeClaimTemplates, which is why a real
 * cluster shows `status: {phase: Pending}` inside them.
 */
export function setPersistentVolumeClaimDefaults(obj: JsonObject): void {
  const status = ensureChild(obj, 'status');
  if (status !== undefined) {
    defaultEmptyString(status, 'phase', 'Pending');
    roundResourceList(status, 'capacity');
    roundResourceList(status, 'allocatedResources');
  }
  const spec = ensureChild(obj, 'spec');
  if (spec !== undefined) setPersistentVolumeClaimSpecDefaults(spec);
}

/** SetDefaults_Secret: type Opaque. */
export function setSecretDefaults(obj: JsonObject): void {
  defaultEmptyString(obj, 'type', 'Opaque');
}

/**
 * SetDefaults_NodeStatus: allocatable copies capacity when unset; quantities rounded.
 */
export function setNodeDefaults(obj: JsonObject): void {
  const status = ensureChild(obj, 'status');
  if (status === undefined) return;
  const capacity = child(status, 'capacity');
  if (isUnset(status['allocatable']) && capacity !== undefined) {
    status['allocatable'] = copyMap(capacity);
  }
  roundResourceList(status, 'capacity');
  roundResourceList(status, 'allocatable');
}

/** Copies entries of `from` missing in `to[key]`; creates `to[key]` only when non-empty. */
function fillMissing(to: JsonObject, key: string, from: JsonObject | undefined): void {
  if (from === undefined) return;
  const existing = to[key];
  if (!isUnset(existing) && !isObject(existing)) return;
  const target: JsonObject = isObject(existing) ? existing : {};
  for (const [k, v] of Object.entries(from)) {
    if (!(k in target)) target[k] = v;
  }
  if (isObject(existing) || Object.keys(target).length > 0) to[key] = target;
}

/**
 * SetDefaults_LimitRangeItem for Container items: default limit from max, default request
 * from the default limit, then from min. Go creates empty maps that the wire form omits, so
 * empty results are not written.
 */
export function setLimitRangeDefaults(obj: JsonObject): void {
  const spec = child(obj, 'spec');
  if (spec === undefined) return;
  for (const item of items(spec, 'limits')) {
    if (item['type'] === 'Container') {
      fillMissing(item, 'default', child(item, 'max'));
      fillMissing(item, 'defaultRequest', child(item, 'default'));
      fillMissing(item, 'defaultRequest', child(item, 'min'));
    }
    for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      roundResourceList(item, key);
    }
  }
}

/** ResourceQuota: no defaults beyond quantity rounding. */
export function setResourceQuotaDefaults(obj: JsonObject): void {
  roundResourceList(child(obj, 'spec'), 'hard');
  const status = child(obj, 'status');
  roundResourceList(status, 'hard');
  roundResourceList(status, 'used');
}

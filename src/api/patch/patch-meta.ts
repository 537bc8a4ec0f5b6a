/**
 * Strategic-merge-patch metadata: for each built-in kind, the tree of fields that carry a
 * `patchStrategy` / `patchMergeKey` Go struct tag in Kubernetes 1.32
 * (staging/src/k8s.io/api/{core,apps,batch,...}/v1/types.go and apimachinery's ObjectMeta),
 * plus the struct fields on the way to them. Fields that are not listed have no strategy:
 * maps merge recursively and lists are replaced, which is what upstream does for an untagged
 * field. The same tables can feed the OpenAPI generator (`x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`).
 */

/** How a field's value is shaped, for documentation and OpenAPI. */
export type PatchFieldType = 'list' | 'map' | 'primitive';

/** One field of a struct. */
export interface PatchFieldMeta {
  /** The `patchStrategy` tag: `merge`, `replace`, `retainKeys` or `merge,retainKeys`. */
  readonly patchStrategy?: string;
  /** The `patchMergeKey` tag of a list of objects merged by key. */
  readonly patchMergeKey?: string;
  /** Shape of the value. */
  readonly type: PatchFieldType;
  /** The struct of the value (a map field) or of each element (a list field). */
  readonly elem?: PatchMeta;
}

/** A Go struct: its name (for messages) and the fields that matter for patching. */
export interface PatchMeta {
  /** The Go type name, e.g. `PodSpec`. */
  readonly name: string;
  /** Fields by JSON name. Absent fields have no strategy. */
  readonly fields: Readonly<Record<string, PatchFieldMeta>>;
}

/** A struct with no tagged fields beneath it. */
export const EMPTY_PATCH_META: PatchMeta = { name: 'Unstructured', fields: {} };

function struct(name: string, fields: Record<string, PatchFieldMeta>): PatchMeta {
  return { name, fields };
}
/** A nested struct field (merged as a map). */
function obj(elem: PatchMeta, patchStrategy?: string): PatchFieldMeta {
  return patchStrategy === undefined ? { type: 'map', elem } : { type: 'map', elem, patchStrategy };
}
/** A list of structs merged by `key`. */
function mergeList(key: string, elem?: PatchMeta, patchStrategy = 'merge'): PatchFieldMeta {
  return elem === undefined
    ? { type: 'list', patchStrategy, patchMergeKey: key }
    : { type: 'list', patchStrategy, patchMergeKey: key, elem };
}
/** A list without a strategy (replaced), of structs that have tagged fields. */
function list(elem: PatchMeta): PatchFieldMeta {
  return { type: 'list', elem };
}
/** A list of scalars merged as a set (`patchStrategy:"merge"` without a key). */
const mergePrimitiveList: PatchFieldMeta = { type: 'list', patchStrategy: 'merge' };

// ---- meta/v1 -------------------------------------------------------------------------------

/** metav1.ObjectMeta: finalizers merge as a set, ownerReferences by uid. */
export const OBJECT_META: PatchMeta = struct('ObjectMeta', {
  finalizers: mergePrimitiveList,
  ownerReferences: mergeList('uid'),
});

/** A status whose only tagged field is `conditions` merged by `type`. */
function conditionsStatus(name: string): PatchMeta {
  return struct(name, { conditions: mergeList('type') });
}

// ---- core/v1 -------------------------------------------------------------------------------

const CONTAINER_FIELDS = {
  ports: mergeList('containerPort'),
  env: mergeList('name'),
  volumeMounts: mergeList('mountPath'),
  volumeDevices: mergeList('devicePath'),
};
/** core/v1 Container. */
export const CONTAINER: PatchMeta = struct('Container', CONTAINER_FIELDS);
/** core/v1 EphemeralContainer (EphemeralContainerCommon is inlined and tagged alike). */
export const EPHEMERAL_CONTAINER: PatchMeta = struct('EphemeralContainer', CONTAINER_FIELDS);

/** core/v1 PodSpec. */
export const POD_SPEC: PatchMeta = struct('PodSpec', {
  volumes: mergeList('name', undefined, 'merge,retainKeys'),
  initContainers: mergeList('name', CONTAINER),
  containers: mergeList('name', CONTAINER),
  ephemeralContainers: mergeList('name', EPHEMERAL_CONTAINER),
  imagePullSecrets: mergeList('name'),
  hostAliases: mergeList('ip'),
  topologySpreadConstraints: mergeList('topologyKey'),
  schedulingGates: mergeList('name'),
  resourceClaims: mergeList('name', undefined, 'merge,retainKeys'),
});

const POD_STATUS = struct('PodStatus', {
  conditions: mergeList('type'),
  podIPs: mergeList('ip'),
  hostIPs: mergeList('ip'),
  resourceClaimStatuses: mergeList('name', undefined, 'merge,retainKeys'),
});

/** core/v1 PodTemplateSpec. */
export const POD_TEMPLATE_SPEC: PatchMeta = struct('PodTemplateSpec', {
  metadata: obj(OBJECT_META),
  spec: obj(POD_SPEC),
});

/** A top-level kind: ObjectMeta plus the given fields. */
function kind(name: string, fields: Record<string, PatchFieldMeta> = {}): PatchMeta {
  return struct(name, { metadata: obj(OBJECT_META), ...fields });
}

/** A workload whose spec has a pod template and whose status has conditions. */
function workload(name: string, specFields: Record<string, PatchFieldMeta> = {}): PatchMeta {
  return kind(name, {
    spec: obj(struct(`${name}Spec`, { template: obj(POD_TEMPLATE_SPEC), ...specFields })),
    status: obj(conditionsStatus(`${name}Status`)),
  });
}

const POD = kind('Pod', { spec: obj(POD_SPEC), status: obj(POD_STATUS) });
const PERSISTENT_VOLUME_CLAIM = kind('PersistentVolumeClaim', {
  status: obj(conditionsStatus('PersistentVolumeClaimStatus')),
});

const JOB_SPEC = struct('JobSpec', { template: obj(POD_TEMPLATE_SPEC) });

/** Built-in kinds by `group/Kind` (the tags do not differ between served versions). */
const BUILTIN: ReadonlyMap<string, PatchMeta> = new Map<string, PatchMeta>([
  // core
  ['/Pod', POD],
  ['/PodTemplate', kind('PodTemplate', { template: obj(POD_TEMPLATE_SPEC) })],
  ['/ReplicationController', workload('ReplicationController')],
  [
    '/Service',
    kind('Service', {
      spec: obj(struct('ServiceSpec', { ports: mergeList('port') })),
      status: obj(conditionsStatus('ServiceStatus')),
    }),
  ],
  [
    '/Node',
    kind('Node', {
      spec: obj(struct('NodeSpec', { podCIDRs: mergePrimitiveList })),
      status: obj(
        struct('NodeStatus', { conditions: mergeList('type'), addresses: mergeList('type') }),
      ),
    }),
  ],
  ['/Namespace', kind('Namespace', { status: obj(conditionsStatus('NamespaceStatus')) })],
  ['/PersistentVolumeClaim', PERSISTENT_VOLUME_CLAIM],
  ['/ServiceAccount', kind('ServiceAccount', { secrets: mergeList('name') })],
  ['/ComponentStatus', kind('ComponentStatus', { conditions: mergeList('type') })],
  // apps
  [
    'apps/Deployment',
    workload('Deployment', { strategy: obj(struct('DeploymentStrategy', {}), 'retainKeys') }),
  ],
  ['apps/ReplicaSet', workload('ReplicaSet')],
  [
    'apps/StatefulSet',
    workload('StatefulSet', { volumeClaimTemplates: list(PERSISTENT_VOLUME_CLAIM) }),
  ],
  ['apps/DaemonSet', workload('DaemonSet')],
  // batch
  ['batch/Job', kind('Job', { spec: obj(JOB_SPEC), status: obj(conditionsStatus('JobStatus')) })],
  [
    'batch/CronJob',
    kind('CronJob', {
      spec: obj(
        struct('CronJobSpec', {
          jobTemplate: obj(
            struct('JobTemplateSpec', { metadata: obj(OBJECT_META), spec: obj(JOB_SPEC) }),
          ),
        }),
      ),
    }),
  ],
  // autoscaling/v2 (v1 has no tagged fields beyond ObjectMeta; conditions is absent there)
  [
    'autoscaling/HorizontalPodAutoscaler',
    kind('HorizontalPodAutoscaler', {
      status: obj(conditionsStatus('HorizontalPodAutoscalerStatus')),
    }),
  ],
  // policy
  [
    'policy/PodDisruptionBudget',
    kind('PodDisruptionBudget', { status: obj(conditionsStatus('PodDisruptionBudgetStatus')) }),
  ],
  // networking
  [
    'networking.k8s.io/ServiceCIDR',
    kind('ServiceCIDR', { status: obj(conditionsStatus('ServiceCIDRStatus')) }),
  ],
  // storage
  [
    'storage.k8s.io/CSINode',
    kind('CSINode', { spec: obj(struct('CSINodeSpec', { drivers: mergeList('name') })) }),
  ],
  // admissionregistration
  [
    'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
    kind('ValidatingWebhookConfiguration', { webhooks: mergeList('name') }),
  ],
  [
    'admissionregistration.k8s.io/MutatingWebhookConfiguration',
    kind('MutatingWebhookConfiguration', { webhooks: mergeList('name') }),
  ],
  // flowcontrol
  [
    'flowcontrol.apiserver.k8s.io/FlowSchema',
    kind('FlowSchema', { status: obj(conditionsStatus('FlowSchemaStatus')) }),
  ],
  [
    'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
    kind('PriorityLevelConfiguration', {
      status: obj(conditionsStatus('PriorityLevelConfigurationStatus')),
    }),
  ],
]);

/** Every object's root: only `metadata` (ObjectMeta) is known. */
const GENERIC_OBJECT = kind('Object');

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The patch metadata of a kind. Built-in kinds with tagged fields get their table; any other
 * kind (built-in kinds without tagged fields, custom resources) gets a root that knows only
 * `metadata` as ObjectMeta, so every list outside metadata is replaced as in a JSON merge
 * patch. The returned tree is shared and immutable.
 */
export function patchMetaFor(apiVersion: string, kindName: string): PatchMeta {
  return BUILTIN.get(`${groupOf(apiVersion)}/${kindName}`) ?? GENERIC_OBJECT;
}

/** True when the kind has its own table (more than ObjectMeta). */
export function hasBuiltinPatchMeta(apiVersion: string, kindName: string): boolean {
  return BUILTIN.has(`${groupOf(apiVersion)}/${kindName}`);
}

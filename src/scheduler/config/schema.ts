/**
 * The decoding shapes of KubeSchedulerConfiguration v1 (k8s.io/kube-scheduler/config/v1) and of
 * the plugin args skiff implements, for strict decoding: the field names and Go types upstream's
 * decoder knows, so that an unknown field or a value of the wrong JSON type is refused with
 * upstream's message (`strict decoding error: unknown field "..."`, `json: cannot unmarshal
 * ...`). Hand-written from the Go types: the scheduler has no OpenAPI schema to compile them from.
 */
import { ANY_NODE, RAW_NODE } from '../../api/index.ts';
import type { ScalarType, SchemaNode, StructNode } from '../../api/index.ts';
import { EXTENSION_POINTS } from '../framework/index.ts';

const scalar = (t: ScalarType): SchemaNode => ({ kind: 'raw', scalar: t });
const STRING = scalar('string');
const BOOL = scalar('bool');
const INT32 = scalar('int32');
const INT64 = scalar('int64');
const FLOAT = scalar('float64');
const list = (item: SchemaNode): SchemaNode => ({ kind: 'list', item });
const map = (value: SchemaNode): SchemaNode => ({ kind: 'map', value });

/** A Go struct node named `goType` (e.g. `v1.PluginSet`) with `fields`. */
function struct(goType: string, fields: Record<string, SchemaNode>): StructNode {
  return {
    kind: 'struct',
    fields: new Map(Object.entries(fields)),
    preserveUnknown: false,
    goType,
  };
}

/** `apiVersion` and `kind`, which every top-level object and every plugin args object may carry. */
const TYPE_META = { apiVersion: STRING, kind: STRING };

const PLUGIN = struct('v1.Plugin', { name: STRING, weight: INT32 });
const PLUGIN_SET = struct('v1.PluginSet', { enabled: list(PLUGIN), disabled: list(PLUGIN) });

const PLUGINS = struct(
  'v1.Plugins',
  Object.fromEntries(EXTENSION_POINTS.map((ep) => [ep, PLUGIN_SET])),
);

/** Plugin args are a RawExtension: decoded on their own, by plugin name (see PLUGIN_ARGS). */
const PLUGIN_CONFIG = struct('v1.PluginConfig', { name: STRING, args: RAW_NODE });

const PROFILE = struct('v1.KubeSchedulerProfile', {
  schedulerName: STRING,
  percentageOfNodesToScore: INT32,
  plugins: PLUGINS,
  pluginConfig: list(PLUGIN_CONFIG),
});

/** metav1.Duration fields decode from strings. */
const LEADER_ELECTION = struct('v1alpha1.LeaderElectionConfiguration', {
  leaderElect: BOOL,
  leaseDuration: STRING,
  renewDeadline: STRING,
  retryPeriod: STRING,
  resourceLock: STRING,
  resourceName: STRING,
  resourceNamespace: STRING,
});

const CLIENT_CONNECTION = struct('v1alpha1.ClientConnectionConfiguration', {
  kubeconfig: STRING,
  acceptContentTypes: STRING,
  contentType: STRING,
  qps: FLOAT,
  burst: INT32,
});

const EXTENDER = struct('v1.Extender', {
  urlPrefix: STRING,
  filterVerb: STRING,
  preemptVerb: STRING,
  prioritizeVerb: STRING,
  weight: INT64,
  bindVerb: STRING,
  enableHTTPS: BOOL,
  tlsConfig: ANY_NODE,
  httpTimeout: STRING,
  nodeCacheCapable: BOOL,
  managedResources: list(ANY_NODE),
  ignorable: BOOL,
});

/** The shape of a KubeSchedulerConfiguration document. */
export const KUBE_SCHEDULER_CONFIGURATION: StructNode = struct('v1.KubeSchedulerConfiguration', {
  ...TYPE_META,
  parallelism: INT32,
  leaderElection: LEADER_ELECTION,
  clientConnection: CLIENT_CONNECTION,
  healthzBindAddress: STRING,
  metricsBindAddress: STRING,
  enableProfiling: BOOL,
  enableContentionProfiling: BOOL,
  percentageOfNodesToScore: INT32,
  podInitialBackoffSeconds: INT64,
  podMaxBackoffSeconds: INT64,
  profiles: list(PROFILE),
  extenders: list(EXTENDER),
  delayCacheUntilActive: BOOL,
});

// core/v1 types the args embed.
const NODE_SELECTOR_REQUIREMENT = struct('v1.NodeSelectorRequirement', {
  key: STRING,
  operator: STRING,
  values: list(STRING),
});
const NODE_SELECTOR_TERM = struct('v1.NodeSelectorTerm', {
  matchExpressions: list(NODE_SELECTOR_REQUIREMENT),
  matchFields: list(NODE_SELECTOR_REQUIREMENT),
});
const NODE_AFFINITY = struct('v1.NodeAffinity', {
  requiredDuringSchedulingIgnoredDuringExecution: struct('v1.NodeSelector', {
    nodeSelectorTerms: list(NODE_SELECTOR_TERM),
  }),
  preferredDuringSchedulingIgnoredDuringExecution: list(
    struct('v1.PreferredSchedulingTerm', { weight: INT32, preference: NODE_SELECTOR_TERM }),
  ),
});
const LABEL_SELECTOR = struct('v1.LabelSelector', {
  matchLabels: map(STRING),
  matchExpressions: list(
    struct('v1.LabelSelectorRequirement', { key: STRING, operator: STRING, values: list(STRING) }),
  ),
});
const TOPOLOGY_SPREAD_CONSTRAINT = struct('v1.TopologySpreadConstraint', {
  maxSkew: INT32,
  topologyKey: STRING,
  whenUnsatisfiable: STRING,
  labelSelector: LABEL_SELECTOR,
  minDomains: INT32,
  nodeAffinityPolicy: STRING,
  nodeTaintsPolicy: STRING,
  matchLabelKeys: list(STRING),
});

const RESOURCE_SPEC = struct('v1.ResourceSpec', { name: STRING, weight: INT64 });
const SHAPE = list(struct('v1.UtilizationShapePoint', { utilization: INT32, score: INT32 }));

/**
 * The args shape of each plugin that takes args (upstream's `<Plugin>Args` kinds), by plugin
 * name. VolumeBinding and DynamicResources are upstream plugins skiff does not run; their args
 * are accepted so that an upstream configuration still loads.
 */
export const PLUGIN_ARGS: ReadonlyMap<string, StructNode> = new Map([
  [
    'DefaultPreemption',
    struct('v1.DefaultPreemptionArgs', {
      ...TYPE_META,
      minCandidateNodesPercentage: INT32,
      minCandidateNodesAbsolute: INT32,
    }),
  ],
  [
    'InterPodAffinity',
    struct('v1.InterPodAffinityArgs', {
      ...TYPE_META,
      hardPodAffinityWeight: INT32,
      ignorePreferredTermsOfExistingPods: BOOL,
    }),
  ],
  ['NodeAffinity', struct('v1.NodeAffinityArgs', { ...TYPE_META, addedAffinity: NODE_AFFINITY })],
  [
    'NodeResourcesBalancedAllocation',
    struct('v1.NodeResourcesBalancedAllocationArgs', {
      ...TYPE_META,
      resources: list(RESOURCE_SPEC),
    }),
  ],
  [
    'NodeResourcesFit',
    struct('v1.NodeResourcesFitArgs', {
      ...TYPE_META,
      ignoredResources: list(STRING),
      ignoredResourceGroups: list(STRING),
      scoringStrategy: struct('v1.ScoringStrategy', {
        type: STRING,
        resources: list(RESOURCE_SPEC),
        requestedToCapacityRatio: struct('v1.RequestedToCapacityRatioParam', { shape: SHAPE }),
      }),
    }),
  ],
  [
    'PodTopologySpread',
    struct('v1.PodTopologySpreadArgs', {
      ...TYPE_META,
      defaultConstraints: list(TOPOLOGY_SPREAD_CONSTRAINT),
      defaultingType: STRING,
    }),
  ],
  [
    'VolumeBinding',
    struct('v1.VolumeBindingArgs', { ...TYPE_META, bindTimeoutSeconds: INT64, shape: SHAPE }),
  ],
  ['DynamicResources', struct('v1.DynamicResourcesArgs', { ...TYPE_META, filterTimeout: STRING })],
]);

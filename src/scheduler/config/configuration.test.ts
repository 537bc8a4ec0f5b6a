import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSchedulerConfiguration } from './configuration.ts';
import type { SchedulerConfiguration } from './configuration.ts';

const HEAD = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

function ok(body: string): SchedulerConfiguration {
  const r = parseSchedulerConfiguration(HEAD + body);
  if (!r.ok) assert.fail(r.error);
  return r.config;
}

function error(text: string): string {
  const r = parseSchedulerConfiguration(text);
  if (r.ok) assert.fail('expected an error');
  return r.error;
}

const PROFILE_PREFIX =
  'initializing profiles: creating profile for scheduler name default-scheduler: ';

describe('parseSchedulerConfiguration: defaulting (upstream v1 defaults_test)', () => {
  it('an empty configuration gets one default profile, the default plugins and their args', () => {
    const c = ok('');
    assert.equal(c.parallelism, 16);
    assert.equal(c.percentageOfNodesToScore, 0);
    assert.equal(c.podInitialBackoffSeconds, 1);
    assert.equal(c.podMaxBackoffSeconds, 10);
    assert.equal(c.profiles.length, 1);
    const p = c.profiles[0];
    assert.ok(p);
    assert.equal(p.schedulerName, 'default-scheduler');
    assert.equal(p.plugins?.multiPoint?.enabled?.length, 18);
    assert.deepEqual(p.pluginConfig, [
      {
        name: 'DefaultPreemption',
        args: { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 },
      },
      { name: 'InterPodAffinity', args: { hardPodAffinityWeight: 1 } },
      { name: 'NodeAffinity', args: {} },
      {
        name: 'NodeResourcesBalancedAllocation',
        args: {
          resources: [
            { name: 'cpu', weight: 1 },
            { name: 'memory', weight: 1 },
          ],
        },
      },
      {
        name: 'NodeResourcesFit',
        args: {
          scoringStrategy: {
            type: 'LeastAllocated',
            resources: [
              { name: 'cpu', weight: 1 },
              { name: 'memory', weight: 1 },
            ],
          },
        },
      },
      { name: 'PodTopologySpread', args: { defaultingType: 'System' } },
      { name: 'VolumeBinding', args: { bindTimeoutSeconds: 600 } },
    ]);
  });

  it('reads JSON as well as YAML', () => {
    const r = parseSchedulerConfiguration(
      JSON.stringify({
        apiVersion: 'kubescheduler.config.k8s.io/v1',
        kind: 'KubeSchedulerConfiguration',
        percentageOfNodesToScore: 50,
      }),
    );
    assert.equal(r.ok && r.config.percentageOfNodesToScore, 50);
  });

  it('several profiles keep their names; given args are defaulted (weight 0 → 1, default resources)', () => {
    const c = ok(`
profiles:
- schedulerName: a
- schedulerName: b
  percentageOfNodesToScore: 20
  pluginConfig:
  - name: NodeResourcesFit
    args:
      apiVersion: kubescheduler.config.k8s.io/v1
      kind: NodeResourcesFitArgs
      scoringStrategy:
        type: MostAllocated
        resources: [{name: cpu}, {name: memory, weight: 3}]
  - name: NodeResourcesBalancedAllocation
    args: {}
`);
    assert.deepEqual(
      c.profiles.map((p) => [p.schedulerName, p.percentageOfNodesToScore]),
      [
        ['a', undefined],
        ['b', 20],
      ],
    );
    const b = c.profiles[1]?.pluginConfig ?? [];
    assert.deepEqual(b[0], {
      name: 'NodeResourcesFit',
      args: {
        scoringStrategy: {
          type: 'MostAllocated',
          resources: [
            { name: 'cpu', weight: 1 },
            { name: 'memory', weight: 3 },
          ],
        },
      },
    });
    assert.deepEqual(b[1], {
      name: 'NodeResourcesBalancedAllocation',
      args: {
        resources: [
          { name: 'cpu', weight: 1 },
          { name: 'memory', weight: 1 },
        ],
      },
    });
    // Defaults appended after the given configs, sorted by name.
    assert.deepEqual(
      b.map((x) => x.name),
      [
        'NodeResourcesFit',
        'NodeResourcesBalancedAllocation',
        'DefaultPreemption',
        'InterPodAffinity',
        'NodeAffinity',
        'PodTopologySpread',
        'VolumeBinding',
      ],
    );
  });

  it('merges custom plugin sets over the defaults (upstream mergePlugins)', () => {
    const c = ok(`
profiles:
- plugins:
    multiPoint:
      enabled: [{name: NodeResourcesFit, weight: 5}]
      disabled: [{name: ImageLocality}]
    score:
      disabled: [{name: '*'}]
      enabled: [{name: TaintToleration, weight: 7}]
`);
    const plugins = c.profiles[0]?.plugins;
    assert.ok(plugins);
    const multi = plugins.multiPoint?.enabled ?? [];
    assert.ok(!multi.some((p) => p.name === 'ImageLocality'));
    assert.deepEqual(
      multi.find((p) => p.name === 'NodeResourcesFit'),
      { name: 'NodeResourcesFit', weight: 5 },
    );
    assert.deepEqual(plugins.score?.enabled, [{ name: 'TaintToleration', weight: 7 }]);
    assert.deepEqual(plugins.score.disabled, [{ name: '*' }]);
  });

  it('accepts List defaulting with constraints and a valid added node affinity', () => {
    ok(`
profiles:
- pluginConfig:
  - name: PodTopologySpread
    args:
      defaultingType: List
      defaultConstraints:
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
  - name: NodeAffinity
    args:
      addedAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          nodeSelectorTerms:
          - matchExpressions: [{key: pool, operator: In, values: [a]}]
`);
  });
});

describe('parseSchedulerConfiguration: errors with upstream messages', () => {
  const cases: [string, string, string][] = [
    [
      'unknown fields',
      `${HEAD}foo: 1\nprofiles:\n- bar: 2\n`,
      'strict decoding error: unknown field "foo", unknown field "profiles[0].bar"',
    ],
    [
      'unknown args field',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: DefaultPreemption\n    args: {minCandidateNodesPercent: 5}\n`,
      'strict decoding error: unknown field "profiles[0].pluginConfig[0].args.minCandidateNodesPercent"',
    ],
    [
      'repeated key',
      `${HEAD}parallelism: 1\nparallelism: 2\n`,
      'strict decoding error: yaml: unmarshal errors:\n  line 4: key "parallelism" already set in map',
    ],
    [
      'wrong type',
      `${HEAD}percentageOfNodesToScore: lots\n`,
      'json: cannot unmarshal string into Go struct field KubeSchedulerConfiguration.percentageOfNodesToScore of type int32',
    ],
    [
      'missing kind',
      'apiVersion: kubescheduler.config.k8s.io/v1\n',
      `Object 'Kind' is missing in '{"apiVersion":"kubescheduler.config.k8s.io/v1"}'`,
    ],
    [
      'removed version',
      'apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n',
      'no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io/v1beta3" in scheme "pkg/scheduler/apis/config/scheme/scheme.go:30"',
    ],
    [
      'bad-parallelism-invalid-value',
      `${HEAD}parallelism: 0\n`,
      'parallelism: Invalid value: 0: should be an integer value greater than zero',
    ],
    [
      'bad-percentage-of-nodes-to-score',
      `${HEAD}percentageOfNodesToScore: 101\n`,
      'percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]',
    ],
    [
      'bad profile percentage',
      `${HEAD}profiles:\n- percentageOfNodesToScore: -1\n`,
      'profiles[0].percentageOfNodesToScore: Invalid value: -1: not in valid range [0-100]',
    ],
    [
      'scheduler-name-not-set',
      `${HEAD}profiles:\n- schedulerName: me\n- {}\n`,
      'profiles[1].schedulerName: Required value',
    ],
    [
      'repeated-scheduler-name',
      `${HEAD}profiles:\n- schedulerName: other\n- schedulerName: other\n`,
      'profiles[1].schedulerName: Duplicate value: "profiles[0].schedulerName"',
    ],
    [
      'different-queue-sort',
      `${HEAD}profiles:\n- schedulerName: me\n- schedulerName: other\n  plugins:\n    queueSort:\n      enabled: [{name: PrioritySort}]\n`,
      'profiles[1].plugins.queueSort: Invalid value: {"enabled":[{"name":"PrioritySort"}]}: must be the same for all profiles',
    ],
    [
      'invalid-node-percentage',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: DefaultPreemption\n    args: {minCandidateNodesPercentage: 200, minCandidateNodesAbsolute: 100}\n`,
      'profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: Invalid value: 200: not in valid range [0, 100]',
    ],
    [
      'both candidate minimums zero',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: DefaultPreemption\n    args: {minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0}\n`,
      '[profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute, profiles[0].pluginConfig[0].args.minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage]',
    ],
    [
      'negative absolute',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: DefaultPreemption\n    args: {minCandidateNodesAbsolute: -1}\n`,
      'profiles[0].pluginConfig[0].args.minCandidateNodesAbsolute: Invalid value: -1: not in valid range [0, inf)',
    ],
    [
      'duplicated-plugin-config',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: DefaultPreemption\n  - name: DefaultPreemption\n`,
      'profiles[0].pluginConfig[1]: Duplicate value: "DefaultPreemption"',
    ],
    [
      'bad-removed-plugins',
      `${HEAD}profiles:\n- plugins:\n    filter:\n      enabled: [{name: AzureDiskLimits}]\n`,
      'profiles[0].plugins.filter.enabled[0]: Invalid value: "AzureDiskLimits": was invalid in version "kubescheduler.config.k8s.io/v1" (KubeSchedulerConfiguration is version "kubescheduler.config.k8s.io/v1")',
    ],
    [
      'hardPodAffinityWeight out of range',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: 101}\n`,
      'profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]',
    ],
    [
      'System defaulting with constraints',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n    args:\n      defaultingType: System\n      defaultConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n`,
      'profiles[0].pluginConfig[0].args.defaultingType: Invalid value: "System": when .defaultConstraints are not empty',
    ],
    [
      'bad default constraints',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n    args:\n      defaultingType: List\n      defaultConstraints:\n      - {maxSkew: 0, topologyKey: '', whenUnsatisfiable: Sometimes, labelSelector: {}}\n      - {maxSkew: 1, topologyKey: node, whenUnsatisfiable: ScheduleAnyway}\n      - {maxSkew: 2, topologyKey: node, whenUnsatisfiable: ScheduleAnyway}\n`,
      '[profiles[0].pluginConfig[0].args.defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf), profiles[0].pluginConfig[0].args.defaultConstraints[0].topologyKey: Required value: can not be empty, profiles[0].pluginConfig[0].args.defaultConstraints[0].whenUnsatisfiable: Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway", profiles[0].pluginConfig[0].args.defaultConstraints[0].labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod, profiles[0].pluginConfig[0].args.defaultConstraints[2]: Duplicate value: "{node, ScheduleAnyway}"]',
    ],
    [
      'unknown defaultingType',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n    args: {defaultingType: Auto}\n`,
      'profiles[0].pluginConfig[0].args.defaultingType: Unsupported value: "Auto": supported values: "System", "List"',
    ],
    [
      'balanced allocation weights',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: NodeResourcesBalancedAllocation\n    args: {resources: [{name: cpu, weight: 2}, {name: cpu, weight: 1}]}\n`,
      '[profiles[0].pluginConfig[0].args.resources[0].weight: Invalid value: 2: must be 1, profiles[0].pluginConfig[0].args.resources[1].name: Duplicate value: "cpu"]',
    ],
    [
      'bad added affinity',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: NodeAffinity\n    args:\n      addedAffinity:\n        requiredDuringSchedulingIgnoredDuringExecution:\n          nodeSelectorTerms:\n          - matchExpressions: [{key: pool, operator: In}, {key: x, operator: Near}]\n            matchFields: [{key: metadata.name, operator: In, values: [a, b]}]\n`,
      '[profiles[0].pluginConfig[0].args.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: []string(nil): for \'in\', \'notin\' operators, values set can\'t be empty, profiles[0].pluginConfig[0].args.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].operator: Unsupported value: "Near": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", profiles[0].pluginConfig[0].args.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values: Invalid value: ["a","b"]: must have one element]',
    ],
    [
      'fit: unknown scoring strategy (checked when the plugin is built)',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: Most}}\n`,
      `${PROFILE_PREFIX}initializing plugin "NodeResourcesFit": scoringStrategy.type: Unsupported value: "Most": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"`,
    ],
    [
      'fit: resource weight out of range',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: LeastAllocated, resources: [{name: cpu, weight: 101}]}}\n`,
      `${PROFILE_PREFIX}initializing plugin "NodeResourcesFit": scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu not in valid range (0, 100]`,
    ],
    [
      'fit: RequestedToCapacityRatio without a shape',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: RequestedToCapacityRatio}}\n`,
      `${PROFILE_PREFIX}initializing plugin "NodeResourcesFit": scoringStrategy.requestedToCapacityRatio: Required value: must be specified when type is RequestedToCapacityRatio`,
    ],
    [
      'fit: unsorted shape with a score out of range',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: [{utilization: 50, score: 11}, {utilization: 10, score: 1}]}}}\n`,
      `${PROFILE_PREFIX}initializing plugin "NodeResourcesFit": [scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 10: values must be sorted in increasing order, scoringStrategy.requestedToCapacityRatio.shape[0].score: Invalid value: 11: not in valid range [0, 10]]`,
    ],
    [
      'fit: a shape with another strategy',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: MostAllocated, requestedToCapacityRatio: {shape: [{utilization: 0, score: 0}]}}}\n`,
      `${PROFILE_PREFIX}initializing plugin "NodeResourcesFit": scoringStrategy.requestedToCapacityRatio: Forbidden: must be nil when type is not RequestedToCapacityRatio`,
    ],
    [
      'unknown filter plugin',
      `${HEAD}profiles:\n- plugins:\n    filter:\n      enabled: [{name: Foo}]\n`,
      `${PROFILE_PREFIX}FilterPlugin "Foo" does not exist`,
    ],
    [
      'unknown score plugin in a named profile',
      `${HEAD}profiles:\n- schedulerName: x\n  plugins:\n    score:\n      enabled: [{name: Bar, weight: 2}]\n`,
      'initializing profiles: creating profile for scheduler name x: ScorePlugin "Bar" does not exist',
    ],
    [
      'unknown multiPoint plugin',
      `${HEAD}profiles:\n- plugins:\n    multiPoint:\n      enabled: [{name: Baz}]\n`,
      `${PROFILE_PREFIX}PreFilterPlugin "Baz" does not exist`,
    ],
    [
      'pluginConfig for a plugin that does not exist',
      `${HEAD}profiles:\n- pluginConfig:\n  - name: NodeResourceFit\n`,
      `${PROFILE_PREFIX}pluginConfig names a plugin that does not exist: "NodeResourceFit"`,
    ],
    [
      'plugin registered twice',
      `${HEAD}profiles:\n- plugins:\n    filter:\n      enabled: [{name: NodeName}, {name: NodeName}]\n`,
      `${PROFILE_PREFIX}plugin "NodeName" already registered as "filter"`,
    ],
    [
      'initial backoff',
      `${HEAD}podInitialBackoffSeconds: 0\n`,
      'podInitialBackoffSeconds: Invalid value: 0: must be greater than 0',
    ],
    [
      'max backoff below initial',
      `${HEAD}podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n`,
      'podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to PodInitialBackoffSeconds',
    ],
    [
      'leader election lock',
      `${HEAD}leaderElection: {leaderElect: true, resourceLock: configmaps}\n`,
      'leaderElection.resourceLock: Invalid value: "configmaps": resourceLock value must be "leases"',
    ],
    [
      'extenders',
      `${HEAD}extenders: [{urlPrefix: 'http://x', filterVerb: filter}]\n`,
      'extenders: Forbidden: scheduler extenders are not supported by skiff',
    ],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => {
      assert.equal(error(text), want);
    });
  }

  it('reports malformed YAML', () => {
    assert.match(error(`${HEAD}profiles: [\n`), /^yaml: /);
  });
});

describe('parseSchedulerConfiguration: upstream plugins skiff does not run', () => {
  it('accepts them by name, at any extension point, with their args', () => {
    const c = ok(`
profiles:
- plugins:
    filter:
      enabled: [{name: VolumeBinding}, {name: VolumeZone}]
    bind:
      enabled: [{name: DefaultBinder}]
  pluginConfig:
  - name: VolumeBinding
    args: {bindTimeoutSeconds: 30}
`);
    assert.deepEqual(
      c.profiles[0]?.pluginConfig?.find((p) => p.name === 'VolumeBinding'),
      { name: 'VolumeBinding', args: { bindTimeoutSeconds: 30 } },
    );
  });
});

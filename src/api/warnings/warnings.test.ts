/**
 * Warning tests: cases ported from upstream pkg/api/pod/warnings_test.go,
 * pkg/api/service/warnings_test.go, pkg/api/node, pkg/api/storage and
 * k8s.io/apimachinery/pkg/util/net/http_test.go (TestNewWarningHeader), Kubernetes 1.32.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import {
  WarningHeaderError,
  WarningRecorder,
  crdDeprecationWarning,
  deprecationWarning,
  newWarningHeader,
  toLatin1HeaderValue,
  warningsForObject,
  warningsForPod,
  warningsForPodTemplate,
} from './index.ts';
import { newPath } from '../validation/index.ts';

const c = (extra: Record<string, unknown> = {}) => ({ name: 'c', image: 'i', ...extra });

describe('pod warnings (TestWarnings)', () => {
  const cases: {
    name: string;
    spec?: Partial<PodSpec>;
    annotations?: Record<string, string>;
    expected: string[];
  }[] = [
    { name: 'no warnings', spec: { containers: [c()] }, expected: [] },
    {
      name: 'photon',
      spec: { containers: [], volumes: [{ name: 'p', photonPersistentDisk: { pdID: 'x' } }] },
      expected: [
        'spec.volumes[0].photonPersistentDisk: deprecated in v1.11, non-functional in v1.16+',
      ],
    },
    {
      name: 'gitRepo',
      spec: { containers: [], volumes: [{ name: 's', gitRepo: { repository: 'r' } }] },
      expected: ['spec.volumes[0].gitRepo: deprecated in v1.11'],
    },
    {
      name: 'scaleIO',
      spec: {
        containers: [],
        volumes: [{ name: 's', scaleIO: { gateway: '', system: '', secretRef: {} } }],
      },
      expected: ['spec.volumes[0].scaleIO: deprecated in v1.16, non-functional in v1.22+'],
    },
    {
      name: 'flocker',
      spec: { containers: [], volumes: [{ name: 's', flocker: {} }] },
      expected: ['spec.volumes[0].flocker: deprecated in v1.22, non-functional in v1.25+'],
    },
    {
      name: 'storageOS',
      spec: { containers: [], volumes: [{ name: 's', storageos: {} }] },
      expected: ['spec.volumes[0].storageOS: deprecated in v1.22, non-functional in v1.25+'],
    },
    {
      name: 'quobyte',
      spec: { containers: [], volumes: [{ name: 's', quobyte: { registry: '', volume: '' } }] },
      expected: ['spec.volumes[0].quobyte: deprecated in v1.22, non-functional in v1.25+'],
    },
    {
      name: 'glusterfs',
      spec: { containers: [], volumes: [{ name: 's', glusterfs: { endpoints: '', path: '' } }] },
      expected: ['spec.volumes[0].glusterfs: deprecated in v1.25, non-functional in v1.26+'],
    },
    {
      name: 'CephFS',
      spec: { containers: [], volumes: [{ name: 's', cephfs: { monitors: [] } }] },
      expected: ['spec.volumes[0].cephfs: deprecated in v1.28, non-functional in v1.31+'],
    },
    {
      name: 'rbd',
      spec: { containers: [], volumes: [{ name: 's', rbd: { image: '', monitors: [] } }] },
      expected: ['spec.volumes[0].rbd: deprecated in v1.28, non-functional in v1.31+'],
    },
    {
      name: 'duplicate path with service account token',
      spec: {
        containers: [],
        volumes: [
          {
            name: 'p',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token' } },
                { configMap: { name: 'cm', items: [{ key: 'k', path: 'token' }] } },
                {
                  secret: {
                    name: 's',
                    items: [
                      { key: 'k', path: 'other' },
                      { key: 'k', path: 'token' },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
      expected: [
        'spec.volumes[0].projected.sources.configMap[0]: has duplicated path with ServiceAccountToken "token"',
        'spec.volumes[0].projected.sources.secrets[1]: has duplicated path with ServiceAccountToken "token"',
      ],
    },
    {
      name: 'duplicate hostAlias',
      spec: {
        containers: [],
        hostAliases: [{ ip: '1.1.1.1' }, { ip: '1.1.1.1' }, { ip: '1.1.1.1' }],
      },
      expected: [
        'spec.hostAliases[1].ip: duplicate ip "1.1.1.1"',
        'spec.hostAliases[2].ip: duplicate ip "1.1.1.1"',
      ],
    },
    {
      name: 'duplicate imagePullSecret',
      spec: { containers: [], imagePullSecrets: [{ name: 'a' }, { name: 'a' }, { name: 'a' }] },
      expected: [
        'spec.imagePullSecrets[1].name: duplicate name "a"',
        'spec.imagePullSecrets[2].name: duplicate name "a"',
      ],
    },
    {
      name: 'empty imagePullSecret',
      spec: { containers: [], imagePullSecrets: [{ name: '' }] },
      expected: ['spec.imagePullSecrets[0].name: invalid empty name ""'],
    },
    {
      name: 'duplicate env',
      spec: {
        initContainers: [
          c({
            env: [
              { name: 'a', valueFrom: {} },
              { name: 'a', valueFrom: {} },
              { name: 'a', valueFrom: {} },
              { name: 'a', value: 'a' },
              { name: 'a', value: '$(a)' },
              { name: 'a', value: 'prefix $(a) suffix' },
            ],
          }),
        ],
        containers: [
          c({
            env: [
              { name: 'b', value: 'x' },
              { name: 'b', value: '$(b)-y' },
            ],
          }),
        ],
      },
      expected: [
        'spec.initContainers[0].env[1]: hides previous definition of "a", which may be dropped when using apply',
        'spec.initContainers[0].env[2]: hides previous definition of "a", which may be dropped when using apply',
        'spec.initContainers[0].env[3]: hides previous definition of "a", which may be dropped when using apply',
        'spec.initContainers[0].env[4]: hides previous definition of "a", which may be dropped when using apply',
      ],
    },
    {
      name: 'fractional resources',
      spec: {
        overhead: { memory: '4m', 'ephemeral-storage': '4m', cpu: '100m' },
        initContainers: [
          c({
            resources: {
              limits: { memory: '4m', 'ephemeral-storage': '4m' },
              requests: { memory: '4m', 'ephemeral-storage': '4m' },
            },
          }),
        ],
        containers: [c({ resources: { requests: { memory: '4M', cpu: '1m' } } })],
      },
      expected: [
        'spec.overhead[memory]: fractional byte value "4m" is invalid, must be an integer',
        'spec.overhead[ephemeral-storage]: fractional byte value "4m" is invalid, must be an integer',
        'spec.initContainers[0].resources.limits[memory]: fractional byte value "4m" is invalid, must be an integer',
        'spec.initContainers[0].resources.requests[memory]: fractional byte value "4m" is invalid, must be an integer',
        'spec.initContainers[0].resources.limits[ephemeral-storage]: fractional byte value "4m" is invalid, must be an integer',
        'spec.initContainers[0].resources.requests[ephemeral-storage]: fractional byte value "4m" is invalid, must be an integer',
      ],
    },
    {
      name: 'node labels in nodeSelector',
      spec: {
        containers: [],
        nodeSelector: {
          'beta.kubernetes.io/arch': 'true',
          'beta.kubernetes.io/os': 'true',
          'failure-domain.beta.kubernetes.io/region': 'true',
          'failure-domain.beta.kubernetes.io/zone': 'true',
          'beta.kubernetes.io/instance-type': 'true',
        },
      },
      expected: [
        'spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead',
        'spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead',
        'spec.nodeSelector[failure-domain.beta.kubernetes.io/region]: deprecated since v1.17; use "topology.kubernetes.io/region" instead',
        'spec.nodeSelector[failure-domain.beta.kubernetes.io/zone]: deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
        'spec.nodeSelector[beta.kubernetes.io/instance-type]: deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
      ],
    },
    {
      name: 'node labels in affinity',
      spec: {
        containers: [],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'foo', operator: 'Exists' }] },
                { matchExpressions: [{ key: 'beta.kubernetes.io/os', operator: 'Exists' }] },
              ],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 1,
                preference: {
                  matchExpressions: [{ key: 'beta.kubernetes.io/arch', operator: 'Exists' }],
                },
              },
            ],
          },
        },
      },
      expected: [
        'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[1].matchExpressions[0].key: beta.kubernetes.io/os is deprecated since v1.14; use "kubernetes.io/os" instead',
        'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].key: beta.kubernetes.io/arch is deprecated since v1.14; use "kubernetes.io/arch" instead',
      ],
    },
    {
      name: 'node labels in topologySpreadConstraints',
      spec: {
        containers: [],
        topologySpreadConstraints: [
          {
            topologyKey: 'beta.kubernetes.io/instance-type',
            labelSelector: {},
            maxSkew: 1,
            whenUnsatisfiable: 'DoNotSchedule',
          },
          { topologyKey: 'foo', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' },
        ],
      },
      expected: [
        'spec.topologySpreadConstraints[0].topologyKey: beta.kubernetes.io/instance-type is deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
        'spec.topologySpreadConstraints[1].labelSelector: a null labelSelector results in matching no pod',
      ],
    },
    {
      name: 'annotations',
      spec: { containers: [c()] },
      annotations: {
        'scheduler.alpha.kubernetes.io/critical-pod': 'true',
        'security.alpha.kubernetes.io/sysctls': 'a,b,c',
        'security.alpha.kubernetes.io/unsafe-sysctls': 'd,e,f',
        'seccomp.security.alpha.kubernetes.io/pod': 'default',
        'container.seccomp.security.alpha.kubernetes.io/c': 'default',
      },
      expected: [
        'metadata.annotations[scheduler.alpha.kubernetes.io/critical-pod]: non-functional in v1.16+; use the "priorityClassName" field instead',
        'metadata.annotations[security.alpha.kubernetes.io/sysctls]: non-functional in v1.11+; use the "sysctls" field instead',
        'metadata.annotations[security.alpha.kubernetes.io/unsafe-sysctls]: non-functional in v1.11+; use the "sysctls" field instead',
        'metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "seccompProfile" field instead',
        'metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: non-functional in v1.27+; use the "seccompProfile" field instead',
      ],
    },
    {
      name: 'seccomp annotations with the fields set',
      spec: {
        containers: [c({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })],
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      },
      annotations: {
        'seccomp.security.alpha.kubernetes.io/pod': 'default',
        'container.seccomp.security.alpha.kubernetes.io/c': 'default',
      },
      expected: [],
    },
    {
      name: 'ports',
      spec: {
        containers: [
          c({
            ports: [
              { containerPort: 80, protocol: 'TCP' },
              { containerPort: 80, protocol: 'TCP' },
              { containerPort: 80, protocol: 'UDP' },
              { containerPort: 81, protocol: 'TCP', hostPort: 8081 },
              { containerPort: 82, protocol: 'TCP', hostIP: '10.0.0.1' },
            ],
          }),
          c({
            name: 'd',
            ports: [
              { containerPort: 81, protocol: 'TCP' },
              { containerPort: 81, protocol: 'TCP', hostPort: 8081, hostIP: '10.0.0.1' },
            ],
          }),
        ],
      },
      expected: [
        'spec.containers[0].ports[1]: duplicate port definition with spec.containers[0].ports[0]',
        'spec.containers[0].ports[4]: hostIP set without hostPort: {Name: HostPort:0 ContainerPort:82 Protocol:TCP HostIP:10.0.0.1}',
        'spec.containers[1].ports[0]: overlapping port definition with spec.containers[0].ports[3]',
        'spec.containers[1].ports[1]: dangerously ambiguous port definition with spec.containers[0].ports[3]',
        'spec.containers[1].ports[1]: overlapping port definition with spec.containers[1].ports[0]',
      ],
    },
    {
      name: 'negative terminationGracePeriodSeconds',
      spec: { containers: [], terminationGracePeriodSeconds: -1 },
      expected: [
        'spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1',
      ],
    },
    {
      name: 'null labelSelector in pod affinity and anti-affinity',
      spec: {
        containers: [],
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'k' }],
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 1, podAffinityTerm: { topologyKey: 'k', labelSelector: {} } },
              { weight: 1, podAffinityTerm: { topologyKey: 'k' } },
            ],
          },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'k' }],
          },
        },
      },
      expected: [
        'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector: a null labelSelector results in matching no pod',
        'spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[1].podAffinityTerm.labelSelector: a null labelSelector results in matching no pod',
        'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector: a null labelSelector results in matching no pod',
      ],
    },
  ];

  for (const tc of cases) {
    it(tc.name, () => {
      const spec = { containers: [], ...tc.spec };
      const metadata = tc.annotations ? { annotations: tc.annotations } : {};
      assert.deepEqual(warningsForPod({ metadata, spec }), tc.expected);
      // As a template at the pod root, the same warnings (upstream runs both).
      const template: PodTemplateSpec = { metadata, spec };
      const asTemplate = warningsForPodTemplate(newPath('spec', 'template'), template);
      assert.deepEqual(
        asTemplate,
        tc.expected.map((w) => w.replace(/(^|with )(spec|metadata)\./g, '$1spec.template.$2.')),
      );
    });
  }

  it('AppArmor annotations warn for templates only', () => {
    const metadata = {
      annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'runtime/default' },
    };
    const spec: PodSpec = { containers: [c()] };
    assert.deepEqual(warningsForPod({ metadata, spec }), []);
    assert.deepEqual(warningsForPodTemplate(newPath('spec', 'template'), { metadata, spec }), [
      'spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: deprecated since v1.30; use the "appArmorProfile" field instead',
    ]);
  });
});

describe('warningsForObject', () => {
  const badTemplate = { spec: { containers: [c()], terminationGracePeriodSeconds: -1 } };
  const tgp =
    'spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1';

  it('pods: name as hostname on create, nothing on update', () => {
    const pod = { metadata: { name: 'a.b' }, spec: { containers: [c()] } };
    assert.deepEqual(warningsForObject({ group: '', kind: 'Pod' }, pod), [
      "metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]",
    ]);
    assert.deepEqual(warningsForObject({ group: '', kind: 'Pod' }, pod, pod), []);
  });

  it('deployments: template warnings on create and when the generation changes', () => {
    const d = (generation: number) => ({
      metadata: { name: 'web', generation },
      spec: { template: badTemplate },
    });
    const gk = { group: 'apps', kind: 'Deployment' };
    assert.deepEqual(warningsForObject(gk, d(1)), [`spec.template.${tgp}`]);
    assert.deepEqual(warningsForObject(gk, d(1), d(1)), []);
    assert.deepEqual(warningsForObject(gk, d(2), d(1)), [`spec.template.${tgp}`]);
  });

  it('pod templates, jobs and cronjobs', () => {
    assert.deepEqual(
      warningsForObject({ group: '', kind: 'PodTemplate' }, { template: badTemplate }),
      [`template.${tgp}`],
    );
    assert.deepEqual(
      warningsForObject(
        { group: 'batch', kind: 'Job' },
        { metadata: { name: 'j' }, spec: { template: badTemplate } },
      ),
      [`spec.template.${tgp}`],
    );
    assert.deepEqual(
      warningsForObject(
        { group: 'batch', kind: 'CronJob' },
        {
          metadata: { name: 'cj' },
          spec: {
            schedule: 'CRON_TZ=UTC 0 * * * *',
            jobTemplate: { spec: { template: badTemplate } },
          },
        },
      ),
      [
        `spec.jobTemplate.spec.template.${tgp}`,
        'CRON_TZ or TZ used in spec.schedule is not officially supported, please use spec.timeZone instead',
      ],
    );
    assert.deepEqual(
      warningsForObject(
        { group: 'batch', kind: 'Job' },
        {
          metadata: { name: 'j' },
          spec: {
            completionMode: 'Indexed',
            completions: 100_001,
            parallelism: 10_001,
            template: { spec: { containers: [] } },
          },
        },
      ),
      [
        'spec: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail',
      ],
    );
  });

  it('services (GetWarningsForService)', () => {
    const svc = (spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
      metadata: annotations ? { annotations } : {},
      spec,
    });
    const gk = { group: '', kind: 'Service' };
    const cases: [ReturnType<typeof svc>, string[]][] = [
      [svc({ clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'] }), []],
      [
        svc({ clusterIP: '192.012.2.2', clusterIPs: ['192.012.2.2'] }),
        [
          'spec.clusterIPs[0]: IP address was accepted, but will be invalid in a future Kubernetes release: ParseAddr("192.012.2.2"): IPv4 field has octet with leading zero',
        ],
      ],
      [
        svc({ clusterIP: '2001:db8:0:0::2', clusterIPs: ['2001:db8:0:0::2'] }),
        [
          'spec.clusterIPs[0]: IPv6 address "2001:db8:0:0::2" is not in RFC 5952 canonical format ("2001:db8::2"), which may cause controller apply-loops',
        ],
      ],
      [svc({ clusterIP: 'None', clusterIPs: ['None'] }), []],
      [
        svc({ externalIPs: ['2001:DB8::1', '::ffff:1.2.3.4'], loadBalancerIP: '1.2.3.04' }),
        [
          'spec.externalIPs[0]: IPv6 address "2001:DB8::1" is not in RFC 5952 canonical format ("2001:db8::1"), which may cause controller apply-loops',
          'spec.loadBalancerIP: IP address was accepted, but will be invalid in a future Kubernetes release: ParseAddr("1.2.3.04"): IPv4 field has octet with leading zero',
        ],
      ],
      [
        svc({
          loadBalancerSourceRanges: [
            '192.012.2.0/24',
            '2001:db8:0:0::/64',
            '10.0.0.0/8',
            '2001:db8::/64',
          ],
        }),
        [
          'spec.loadBalancerSourceRanges[0]: IP prefix was accepted, but will be invalid in a future Kubernetes release: netip.ParsePrefix("192.012.2.0/24"): ParseAddr("192.012.2.0"): IPv4 field has octet with leading zero',
          'spec.loadBalancerSourceRanges[1]: IPv6 prefix "2001:db8:0:0::/64" is not in RFC 5952 canonical format ("2001:db8::/64"), which may cause controller apply-loops',
        ],
      ],
      [
        svc({ type: 'ExternalName', externalName: 'x.example', externalIPs: ['1.2.3.4'] }),
        ['spec.externalIPs is ignored when spec.type is "ExternalName"'],
      ],
      [
        svc({ type: 'ClusterIP', externalName: 'x.example' }),
        ['spec.externalName is ignored when spec.type is not "ExternalName"'],
      ],
      [
        svc({}, { 'service.kubernetes.io/topology-aware-hints': 'auto' }),
        [
          'annotation service.kubernetes.io/topology-aware-hints is deprecated, please use service.kubernetes.io/topology-mode instead',
        ],
      ],
    ];
    for (const [obj, expected] of cases) {
      assert.deepEqual(warningsForObject(gk, obj), expected, JSON.stringify(obj));
    }
  });

  it('storage, nodes, runtime classes, ingresses', () => {
    assert.deepEqual(
      warningsForObject(
        { group: '', kind: 'PersistentVolumeClaim' },
        {
          metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'x' } },
          spec: { resources: { requests: { storage: '200000m' }, limits: { storage: '200001m' } } },
        },
      ),
      [
        'metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead',
        'spec.resources.limits[storage]: fractional byte value "200001m" is invalid, must be an integer',
      ],
    );
    assert.deepEqual(
      warningsForObject(
        { group: '', kind: 'PersistentVolume' },
        {
          spec: {
            persistentVolumeReclaimPolicy: 'Recycle',
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'beta.kubernetes.io/os', operator: 'Exists' }] },
                ],
              },
            },
            rbd: { image: 'i', monitors: [] },
          },
        },
      ),
      [
        'spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.',
        'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].key: beta.kubernetes.io/os is deprecated since v1.14; use "kubernetes.io/os" instead',
        'spec.rbd: deprecated in v1.28, non-functional in v1.31+',
      ],
    );
    assert.deepEqual(
      warningsForObject(
        { group: 'storage.k8s.io', kind: 'StorageClass' },
        {
          provisioner: 'p',
          allowedTopologies: [
            {
              matchLabelExpressions: [
                { key: 'failure-domain.beta.kubernetes.io/zone', values: ['a'] },
              ],
            },
          ],
        },
      ),
      [
        'allowedTopologies[0].matchLabelExpressions[0].key: deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
      ],
    );
    assert.deepEqual(
      warningsForObject(
        { group: 'storage.k8s.io', kind: 'CSIStorageCapacity' },
        {
          storageClassName: 's',
          nodeTopology: { matchLabels: { 'beta.kubernetes.io/arch': 'amd64' } },
        },
      ),
      [
        'nodeTopology.matchLabels.beta.kubernetes.io/arch: deprecated since v1.14; use "kubernetes.io/arch" instead',
      ],
    );
    assert.deepEqual(
      warningsForObject(
        { group: 'node.k8s.io', kind: 'RuntimeClass' },
        { handler: 'h', scheduling: { nodeSelector: { 'beta.kubernetes.io/os': 'linux' } } },
      ),
      ['scheduling.nodeSelector: deprecated since v1.14; use "kubernetes.io/os" instead'],
    );
    assert.deepEqual(
      warningsForObject(
        { group: '', kind: 'Node' },
        { spec: { externalID: 'x', configSource: {} } },
      ),
      [
        'spec.configSource: the feature is removed',
        'spec.externalID: this field is deprecated, and is unused by Kubernetes',
      ],
    );
    const ing = { metadata: { annotations: { 'kubernetes.io/ingress.class': 'nginx' } } };
    assert.deepEqual(warningsForObject({ group: 'networking.k8s.io', kind: 'Ingress' }, ing), [
      `annotation "kubernetes.io/ingress.class" is deprecated, please use 'spec.ingressClassName' instead`,
    ]);
    assert.deepEqual(
      warningsForObject({ group: 'networking.k8s.io', kind: 'Ingress' }, ing, ing),
      [],
    );
    assert.deepEqual(warningsForObject({ group: '', kind: 'ConfigMap' }, {}), []);
  });
});

describe('Warning header (TestNewWarningHeader)', () => {
  const ok: [number, string, string, string][] = [
    [299, '', 'Test', '299 - "Test"'],
    [299, '-', '', '299 - ""'],
    [0, 'agent', 'text', '000 agent "text"'],
    [299, '', 'say "hi" \\ bye', '299 - "say \\"hi\\" \\\\ bye"'],
    [299, '', 'unicode ✓', '299 - "unicode ✓"'],
  ];
  for (const [code, agent, text, want] of ok) {
    it(`formats ${JSON.stringify(text)}`, () => {
      assert.equal(newWarningHeader(code, agent, text), want);
    });
  }
  const bad: [number, string, string][] = [
    [1000, '', 'x'],
    [-1, '', 'x'],
    [299, 'my agent', 'x'],
    [299, 'a"b', 'x'],
    [299, '', 'line1\nline2'],
    [299, '', 'bad \ud800 surrogate'],
  ];
  for (const [code, agent, text] of bad) {
    it(`rejects ${String(code)} ${JSON.stringify(agent)} ${JSON.stringify(text)}`, () => {
      assert.throws(() => newWarningHeader(code, agent, text), WarningHeaderError);
    });
  }

  it('latin1 re-encoding for Node', () => {
    assert.equal(toLatin1HeaderValue('299 - "a"'), '299 - "a"');
    assert.equal(toLatin1HeaderValue('✓'), '\u00e2\u009c\u0093');
  });
});

describe('WarningRecorder (filters/warning_test.go)', () => {
  it('dedupes and skips empty texts', () => {
    const r = new WarningRecorder();
    r.addAll(['a', '', 'b', 'a']);
    assert.deepEqual(r.headers(), ['299 - "a"', '299 - "b"']);
  });

  it('drops texts it cannot encode', () => {
    const r = new WarningRecorder();
    r.add('multi\nline');
    r.add('fine');
    assert.deepEqual(r.headers(), ['299 - "fine"']);
  });

  it('truncates once over the total budget, then stops', () => {
    const r = new WarningRecorder(10, 3);
    r.add('aaaa');
    r.add('bbbb');
    assert.deepEqual(r.headers(), ['299 - "aaaa"', '299 - "bbbb"']);
    r.add('cccc'); // 12 > 10: replay everything cut to 3 runes
    assert.deepEqual(r.headers(), ['299 - "aaa"', '299 - "bbb"', '299 - "ccc"']);
    r.add('dd'); // 9 + 2 = 11, still written while truncating
    r.add('eeee'); // budget spent: ignored
    assert.deepEqual(r.headers(), ['299 - "aaa"', '299 - "bbb"', '299 - "ccc"', '299 - "dd"']);
  });

  it('counts runes, not UTF-16 units', () => {
    const r = new WarningRecorder(4, 2);
    r.add('😀😀😀😀');
    assert.deepEqual(r.headers(), ['299 - "😀😀😀😀"']);
    r.add('x');
    assert.deepEqual(r.headers(), ['299 - "😀😀"', '299 - "x"']);
  });
});

describe('deprecation warnings', () => {
  it('none for the GA versions Skiff serves', () => {
    for (const gvk of [
      { group: 'apps', version: 'v1', kind: 'Deployment' },
      { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
      { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' },
      { group: '', version: 'v1', kind: 'Pod' },
    ]) {
      assert.equal(deprecationWarning(gvk), undefined);
    }
  });

  it('formats upstream WarningMessage', () => {
    assert.equal(
      deprecationWarning({
        group: 'admissionregistration.k8s.io',
        version: 'v1beta1',
        kind: 'ValidatingAdmissionPolicy',
      }),
      'admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy is deprecated in v1.31+, unavailable in v1.34+; use admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy',
    );
    assert.equal(
      deprecationWarning(
        {
          group: 'admissionregistration.k8s.io',
          version: 'v1beta1',
          kind: 'ValidatingAdmissionPolicy',
        },
        { major: 1, minor: 30 },
      ),
      undefined,
    );
  });

  it('CRD versions', () => {
    assert.equal(crdDeprecationWarning('example.com', { name: 'v1' }, 'Foo'), undefined);
    assert.equal(
      crdDeprecationWarning('example.com', { name: 'v1alpha1', deprecated: true }, 'Foo'),
      'example.com/v1alpha1 Foo is deprecated',
    );
    assert.equal(
      crdDeprecationWarning(
        'example.com',
        { name: 'v1', deprecated: true, deprecationWarning: 'use v2' },
        'Foo',
      ),
      'use v2',
    );
  });
});

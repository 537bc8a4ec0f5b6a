import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCreate, validateStatusUpdate, validateUpdate } from './index.ts';
import { at, defaulted, messages, runCases } from './test-util.ts';
import type { Case, Json } from './test-util.ts';

const DNS_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** `kubectl run p --image=nginx --port=80` before defaulting. */
const POD: Json = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { run: 'p' } },
  spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] },
};

const c0 = (o: Json): Json => at(o, 'spec', 'containers', 0);
const spec = (o: Json): Json => at(o, 'spec');

const createCases: Case[] = [
  { name: 'valid pod', mutate: () => undefined, expected: [] },
  {
    name: 'containers required',
    mutate: (o) => (spec(o).containers = []),
    expected: ['spec.containers: Required value'],
  },
  {
    name: 'container name must be a DNS label',
    mutate: (o) => (c0(o).name = 'Abc'),
    expected: [`spec.containers[0].name: Invalid value: "Abc": ${DNS_LABEL_MSG}`],
  },
  {
    name: 'container name required',
    mutate: (o) => (c0(o).name = ''),
    expected: ['spec.containers[0].name: Required value'],
  },
  {
    name: 'duplicate container names',
    mutate: (o) => (spec(o).containers = [c0(o), { ...c0(o), ports: [] }]),
    expected: ['spec.containers[1].name: Duplicate value: "c"'],
  },
  {
    name: 'image required',
    mutate: (o) => delete c0(o).image,
    expected: ['spec.containers[0].image: Required value'],
  },
  {
    name: 'image with whitespace',
    mutate: (o) => (c0(o).image = ' nginx'),
    expected: [
      'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
    ],
  },
  {
    name: 'containerPort required',
    mutate: (o) => (at(c0(o), 'ports', 0).containerPort = 0),
    expected: ['spec.containers[0].ports[0].containerPort: Required value'],
  },
  {
    name: 'containerPort out of range',
    mutate: (o) => (at(c0(o), 'ports', 0).containerPort = 70000),
    expected: [
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ],
  },
  {
    name: 'unsupported protocol',
    mutate: (o) => (at(c0(o), 'ports', 0).protocol = 'tcp'),
    expected: [
      'spec.containers[0].ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"',
    ],
  },
  {
    name: 'invalid port name',
    mutate: (o) => (at(c0(o), 'ports', 0).name = 'Http'),
    expected: [
      'spec.containers[0].ports[0].name: Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ],
  },
  {
    name: 'port name of digits only and too long',
    mutate: (o) => (at(c0(o), 'ports', 0).name = '1234567890123456'),
    expected: [
      'spec.containers[0].ports[0].name: Invalid value: "1234567890123456": must be no more than 15 characters',
      'spec.containers[0].ports[0].name: Invalid value: "1234567890123456": must contain at least one letter (a-z)',
    ],
  },
  {
    name: 'duplicate port names',
    mutate: (o) =>
      (c0(o).ports = [
        { name: 'http', containerPort: 80, protocol: 'TCP' },
        { name: 'http', containerPort: 81, protocol: 'TCP' },
      ]),
    expected: ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
  },
  {
    name: 'host port conflict across containers',
    mutate: (o) =>
      (spec(o).containers = [
        { ...c0(o), ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] },
        { ...c0(o), name: 'd', ports: [{ containerPort: 81, hostPort: 8080, protocol: 'TCP' }] },
      ]),
    expected: ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
  },
  {
    name: 'env name with = (relaxed validation, on by default in 1.32)',
    mutate: (o) => (c0(o).env = [{ name: 'A=B', value: 'x' }]),
    expected: [
      `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    ],
  },
  {
    name: 'env names may start with a digit since 1.32',
    mutate: (o) => (c0(o).env = [{ name: '1ABC', value: 'x' }]),
    expected: [],
  },
  {
    name: 'env valueFrom together with value',
    mutate: (o) =>
      (c0(o).env = [
        {
          name: 'A',
          value: 'x',
          valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
        },
      ]),
    expected: [
      'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    ],
  },
  {
    name: 'env fieldRef path not supported',
    mutate: (o) =>
      (c0(o).env = [
        { name: 'A', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.bogus' } } },
      ]),
    expected: [
      'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.bogus": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
    ],
  },
  {
    name: 'volume mount of an unknown volume',
    mutate: (o) => (c0(o).volumeMounts = [{ name: 'x', mountPath: '/x' }]),
    expected: ['spec.containers[0].volumeMounts[0].name: Not found: "x"'],
  },
  {
    name: 'volume mount path required and unique',
    mutate: (o) => {
      spec(o).volumes = [{ name: 'v', emptyDir: {} }];
      c0(o).volumeMounts = [
        { name: 'v', mountPath: '/a' },
        { name: 'v', mountPath: '/a' },
      ];
    },
    expected: ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a": must be unique'],
  },
  {
    name: 'volume without a source',
    mutate: (o) => (spec(o).volumes = [{ name: 'v' }]),
    expected: ['spec.volumes[0]: Required value: must specify a volume type'],
  },
  {
    name: 'volume with two sources',
    mutate: (o) => (spec(o).volumes = [{ name: 'v', emptyDir: {}, hostPath: { path: '/tmp' } }]),
    expected: ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type'],
  },
  {
    name: 'duplicate volume names',
    mutate: (o) =>
      (spec(o).volumes = [
        { name: 'v', emptyDir: {} },
        { name: 'v', emptyDir: {} },
      ]),
    expected: ['spec.volumes[1].name: Duplicate value: "v"'],
  },
  {
    name: 'volume name must be a DNS label',
    mutate: (o) => (spec(o).volumes = [{ name: 'V_1', emptyDir: {} }]),
    expected: [`spec.volumes[0].name: Invalid value: "V_1": ${DNS_LABEL_MSG}`],
  },
  {
    name: 'configMap volume needs a name; bad item mode',
    mutate: (o) =>
      (spec(o).volumes = [
        { name: 'v', configMap: { items: [{ key: 'k', path: 'p', mode: 1024 }] } },
      ]),
    expected: [
      'spec.volumes[0].configMap.name: Required value',
      'spec.volumes[0].configMap.items[0].mode: Invalid value: 1024: must be a number between 0 and 0777 (octal), both inclusive',
    ],
  },
  {
    name: 'secret volume path with ..',
    mutate: (o) =>
      (spec(o).volumes = [
        { name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: '../p' }] } },
      ]),
    expected: [
      'spec.volumes[0].secret.items[0].path: Invalid value: "../p": must not contain \'..\'',
      'spec.volumes[0].secret.items[0].path: Invalid value: "../p": must not start with \'..\'',
    ],
  },
  {
    name: 'request above limit',
    mutate: (o) => (c0(o).resources = { requests: { cpu: '2' }, limits: { cpu: '1' } }),
    expected: [
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ],
  },
  {
    name: 'negative limit',
    mutate: (o) => (c0(o).resources = { limits: { memory: '-1' } }),
    expected: [
      'spec.containers[0].resources.limits[memory]: Invalid value: "-1": must be greater than or equal to 0',
    ],
  },
  {
    name: 'non-standard resource name',
    mutate: (o) => (c0(o).resources = { limits: { disk: '1' } }),
    expected: [
      'spec.containers[0].resources.limits[disk]: Invalid value: "disk": must be a standard resource for containers',
    ],
  },
  {
    name: 'extended resource must have equal request and limit',
    mutate: (o) =>
      (c0(o).resources = {
        requests: { 'example.com/gpu': '1' },
        limits: { 'example.com/gpu': '2' },
      }),
    expected: [
      'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
    ],
  },
  {
    name: 'restartPolicy not supported',
    mutate: (o) => (spec(o).restartPolicy = 'Sometimes'),
    expected: [
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ],
  },
  {
    name: 'dnsPolicy not supported',
    mutate: (o) => (spec(o).dnsPolicy = 'Cluster'),
    expected: [
      'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ],
  },
  {
    name: 'dnsPolicy None needs dnsConfig',
    mutate: (o) => (spec(o).dnsPolicy = 'None'),
    expected: ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'],
  },
  {
    name: 'imagePullPolicy not supported',
    mutate: (o) => (c0(o).imagePullPolicy = 'Sometimes'),
    expected: [
      'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    ],
  },
  {
    name: 'probe without a handler',
    mutate: (o) => (c0(o).livenessProbe = { periodSeconds: 10, successThreshold: 1 }),
    expected: ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
  },
  {
    name: 'probe with two handlers and negative numbers',
    mutate: (o) =>
      (c0(o).readinessProbe = {
        exec: { command: ['true'] },
        tcpSocket: { port: 80 },
        initialDelaySeconds: -1,
      }),
    expected: [
      'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
      'spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0',
    ],
  },
  {
    name: 'liveness successThreshold must be 1',
    mutate: (o) => (c0(o).livenessProbe = { exec: { command: ['true'] }, successThreshold: 2 }),
    expected: ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
  },
  {
    name: 'httpGet probe with bad port name',
    mutate: (o) => (c0(o).readinessProbe = { httpGet: { path: '/', port: 'Web', scheme: 'HTTP' } }),
    expected: [
      'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "Web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ],
  },
  {
    name: 'toleration with empty key needs Exists',
    mutate: (o) => (spec(o).tolerations = [{ operator: 'Equal', value: 'bar' }]),
    expected: [
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    ],
  },
  {
    name: 'toleration Exists with a value',
    mutate: (o) => (spec(o).tolerations = [{ key: 'foo', operator: 'Exists', value: 'bar' }]),
    expected: [
      'spec.tolerations[0].operator: Invalid value: "bar": value must be empty when `operator` is \'Exists\'',
    ],
  },
  {
    name: 'toleration seconds need NoExecute',
    mutate: (o) =>
      (spec(o).tolerations = [
        { key: 'foo', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 },
      ]),
    expected: [
      'spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
    ],
  },
  {
    name: 'toleration effect not supported',
    mutate: (o) => (spec(o).tolerations = [{ key: 'foo', operator: 'Exists', effect: 'Maybe' }]),
    expected: [
      'spec.tolerations[0].effect: Unsupported value: "Maybe": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ],
  },
  {
    name: 'activeDeadlineSeconds must be positive',
    mutate: (o) => (spec(o).activeDeadlineSeconds = 0),
    expected: [
      'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
    ],
  },
  {
    name: 'hostname and subdomain are DNS labels',
    mutate: (o) => {
      spec(o).hostname = 'Host';
      spec(o).subdomain = 'a.b';
    },
    expected: [
      `spec.hostname: Invalid value: "Host": ${DNS_LABEL_MSG}`,
      'spec.subdomain: Invalid value: "a.b": must not contain dots',
    ],
  },
  {
    name: 'serviceAccountName is a DNS subdomain',
    mutate: (o) => (spec(o).serviceAccountName = 'Bad_SA'),
    expected: [`spec.serviceAccountName: Invalid value: "Bad_SA": ${DNS_SUBDOMAIN_MSG}`],
  },
  {
    name: 'runAsUser must not be negative',
    mutate: (o) => {
      spec(o).securityContext = { runAsUser: -1 };
      c0(o).securityContext = { runAsGroup: -2 };
    },
    expected: [
      'spec.containers[0].securityContext.runAsGroup: Invalid value: -2: must be between 0 and 4294967295, inclusive',
      'spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 4294967295, inclusive',
    ],
  },
  {
    name: 'nodeSelector value must be a label value',
    mutate: (o) => (spec(o).nodeSelector = { disk: 'a b' }),
    expected: [
      `spec.nodeSelector: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
  },
  {
    name: 'node affinity needs a term',
    mutate: (o) =>
      (spec(o).affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      }),
    expected: [
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term',
    ],
  },
  {
    name: 'node selector requirement without values',
    mutate: (o) =>
      (spec(o).affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In' }] }],
          },
        },
      }),
    expected: [
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ],
  },
  {
    name: 'pod affinity term needs a topology key',
    mutate: (o) =>
      (spec(o).affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 101, podAffinityTerm: { topologyKey: '' } },
          ],
        },
      }),
    expected: [
      'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100',
      'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Required value: can not be empty',
      'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "": name part must be non-empty',
      "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  },
  {
    name: 'init container name collides with a container',
    mutate: (o) => (spec(o).initContainers = [{ ...c0(o), ports: [] }]),
    expected: ['spec.initContainers[0].name: Duplicate value: "c"'],
  },
  {
    name: 'init containers may not have probes',
    mutate: (o) =>
      (spec(o).initContainers = [
        { ...c0(o), name: 'init', ports: [], livenessProbe: { exec: { command: ['x'] } } },
      ]),
    expected: [
      'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
    ],
  },
  {
    name: 'sidecar (restartPolicy Always) init containers may have probes',
    mutate: (o) =>
      (spec(o).initContainers = [
        {
          ...c0(o),
          name: 'side',
          ports: [],
          restartPolicy: 'Always',
          readinessProbe: { exec: { command: ['x'] }, successThreshold: 1 },
        },
      ]),
    expected: [],
  },
  {
    name: 'regular containers may not set restartPolicy',
    mutate: (o) => (c0(o).restartPolicy = 'Always'),
    expected: [
      'spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers',
    ],
  },
  {
    name: 'hostNetwork needs hostPort == containerPort',
    mutate: (o) => {
      spec(o).hostNetwork = true;
      at(c0(o), 'ports', 0).hostPort = 81;
    },
    expected: [
      'spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true',
    ],
  },
  {
    name: 'ephemeral containers cannot be set on create',
    mutate: (o) => (spec(o).ephemeralContainers = [{ name: 'debug', image: 'busybox' }]),
    expected: ['spec.ephemeralContainers: Forbidden: cannot be set on create'],
  },
];

void describe('pod create validation', () => {
  runCases(POD, createCases, validateCreate, it);
});

interface UpdateCase {
  readonly name: string;
  readonly mutateOld?: (o: Json) => void;
  readonly mutate: (o: Json) => void;
  readonly expected: readonly string[] | ((msgs: string[]) => void);
}

const updateCases: UpdateCase[] = [
  { name: 'image may change', mutate: (o) => (c0(o).image = 'nginx:2'), expected: [] },
  {
    name: 'other fields may not change',
    mutate: (o) => (spec(o).restartPolicy = 'Never'),
    expected: (msgs) => {
      assert.equal(msgs.length, 1);
      assert.ok(
        msgs[0]?.startsWith(
          'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
        ),
        msgs[0],
      );
      assert.ok(msgs[0]?.includes('restartPolicy'), msgs[0]);
    },
  },
  {
    name: 'containers may not be added',
    mutate: (o) => (spec(o).containers = [c0(o), { ...c0(o), name: 'd', ports: [] }]),
    expected: ['spec.containers: Forbidden: pod updates may not add or remove containers'],
  },
  {
    name: 'activeDeadlineSeconds may only decrease',
    mutateOld: (o) => (spec(o).activeDeadlineSeconds = 100),
    mutate: (o) => (spec(o).activeDeadlineSeconds = 200),
    expected: [
      'spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value',
    ],
  },
  {
    name: 'activeDeadlineSeconds may be set',
    mutate: (o) => (spec(o).activeDeadlineSeconds = 30),
    expected: [],
  },
  {
    name: 'tolerations may be added',
    mutateOld: (o) => (spec(o).tolerations = [{ key: 'a', operator: 'Exists' }]),
    mutate: (o) =>
      (spec(o).tolerations = [
        { key: 'a', operator: 'Exists' },
        { key: 'b', operator: 'Exists' },
      ]),
    expected: [],
  },
  {
    name: 'existing tolerations may not change',
    mutateOld: (o) => (spec(o).tolerations = [{ key: 'a', operator: 'Exists' }]),
    mutate: (o) => (spec(o).tolerations = [{ key: 'b', operator: 'Exists' }]),
    expected: (msgs) => {
      assert.equal(
        msgs[0],
        'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
      );
    },
  },
  {
    name: 'negative grace period may become 1',
    mutateOld: (o) => (spec(o).terminationGracePeriodSeconds = -1),
    mutate: (o) => (spec(o).terminationGracePeriodSeconds = 1),
    expected: [],
  },
];

void describe('pod update validation', () => {
  for (const c of updateCases) {
    it(c.name, () => {
      const old = defaulted(POD);
      c.mutateOld?.(old);
      const obj = structuredClone(old);
      c.mutate(obj);
      const msgs = messages(validateUpdate(obj, old));
      if (typeof c.expected === 'function') c.expected(msgs);
      else assert.deepEqual(msgs, c.expected);
    });
  }
});

void describe('pod status update validation', () => {
  it('nodeName may not change through status', () => {
    const old = defaulted(POD);
    const obj = structuredClone(old);
    at(obj, 'spec').nodeName = 'n1';
    obj.status = { podIPs: [{ ip: '10.0.0.300' }] };
    assert.deepEqual(messages(validateStatusUpdate(obj, old)), [
      'status.nodeName: Forbidden: may not be changed directly',
      'status.podIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCreate, validateStatusUpdate, validateUpdate } from './index.ts';
import { at, defaulted, messages, runCases } from './test-util.ts';
import type { Case, Json } from './test-util.ts';

const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/** `kubectl create service clusterip s --tcp=80:8080`, with the cluster IP allocated. */
const SERVICE: Json = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 's', namespace: 'default', labels: { app: 's' } },
  spec: {
    ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }],
    selector: { app: 's' },
    type: 'ClusterIP',
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
  },
};
const svcSpec = (o: Json): Json => at(o, 'spec');
const port0 = (o: Json): Json => at(o, 'spec', 'ports', 0);

const serviceCases: Case[] = [
  { name: 'valid service', mutate: () => undefined, expected: [] },
  {
    name: 'ports required',
    mutate: (o) => (svcSpec(o).ports = []),
    expected: ['spec.ports: Required value'],
  },
  {
    name: 'headless service needs no ports',
    mutate: (o) => {
      svcSpec(o).ports = [];
      svcSpec(o).clusterIP = 'None';
      svcSpec(o).clusterIPs = ['None'];
    },
    expected: [],
  },
  {
    name: 'port out of range',
    mutate: (o) => (port0(o).port = 65536),
    expected: ['spec.ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive'],
  },
  {
    name: 'names required with several ports, and unique',
    mutate: (o) =>
      (svcSpec(o).ports = [
        { name: 'a', port: 80, protocol: 'TCP', targetPort: 80 },
        { port: 81, protocol: 'TCP', targetPort: 81 },
        { name: 'a', port: 82, protocol: 'TCP', targetPort: 82 },
      ]),
    expected: ['spec.ports[1].name: Required value', 'spec.ports[2].name: Duplicate value: "a"'],
  },
  {
    name: 'duplicate port and protocol',
    mutate: (o) =>
      (svcSpec(o).ports = [
        { name: 'a', port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'b', port: 80, protocol: 'TCP', targetPort: 81 },
      ]),
    expected: ['spec.ports[1]: Duplicate value: {"Protocol":"TCP","Port":80}'],
  },
  {
    name: 'protocol not supported',
    mutate: (o) => (port0(o).protocol = 'HTTP'),
    expected: [
      'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ],
  },
  {
    name: 'targetPort out of range and bad name',
    mutate: (o) => (port0(o).targetPort = 0),
    expected: [
      'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
    ],
  },
  {
    name: 'targetPort named',
    mutate: (o) => (port0(o).targetPort = 'http-web'),
    expected: [],
  },
  {
    name: 'type not supported',
    mutate: (o) => (svcSpec(o).type = 'Balanced'),
    expected: [
      'spec.type: Unsupported value: "Balanced": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ],
  },
  {
    name: 'nodePort on a ClusterIP service',
    mutate: (o) => (port0(o).nodePort = 30001),
    expected: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
  },
  {
    name: 'clusterIP must be an IP',
    mutate: (o) => {
      svcSpec(o).clusterIP = '10.96.0.300';
      svcSpec(o).clusterIPs = ['10.96.0.300'];
    },
    expected: [
      'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ],
  },
  {
    name: 'clusterIPs must start with clusterIP',
    mutate: (o) => (svcSpec(o).clusterIPs = ['10.96.0.11']),
    expected: [
      'spec.clusterIPs: Invalid value: ["10.96.0.11"]: first value must match `clusterIP`',
    ],
  },
  {
    name: 'selector values are label values',
    mutate: (o) => (svcSpec(o).selector = { app: '-x' }),
    expected: [
      `spec.selector: Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
  },
  {
    name: 'sessionAffinity not supported',
    mutate: (o) => (svcSpec(o).sessionAffinity = 'Sticky'),
    expected: [
      'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"',
    ],
  },
  {
    name: 'ExternalName needs externalName and no cluster IPs',
    mutate: (o) => {
      const s = svcSpec(o);
      s.type = 'ExternalName';
      for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) {
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
        delete s[k];
      }
    },
    expected: ['spec.externalName: Required value'],
  },
  {
    name: 'externalIPs must not be special',
    mutate: (o) => (svcSpec(o).externalIPs = ['127.0.0.1']),
    expected: [
      'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'spec.externalTrafficPolicy: Required value',
    ],
  },
];

void describe('service validation', () => {
  runCases(SERVICE, serviceCases, validateCreate, it);
  it('clusterIP may not change', () => {
    const old = defaulted(SERVICE);
    const obj = structuredClone(old);
    svcSpec(obj).clusterIP = '10.96.0.11';
    svcSpec(obj).clusterIPs = ['10.96.0.11'];
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set',
    ]);
  });
  it('NodePort service with a node port', () => {
    const obj = defaulted(SERVICE);
    svcSpec(obj).type = 'NodePort';
    svcSpec(obj).externalTrafficPolicy = 'Cluster';
    port0(obj).nodePort = 30080;
    assert.deepEqual(messages(validateCreate(obj)), []);
  });
});

const CONFIGMAP: Json = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'default' },
  data: { 'key.name': 'v', KEY_NAME: 'w' },
};

const configMapCases: Case[] = [
  { name: 'valid configmap', mutate: () => undefined, expected: [] },
  {
    name: 'bad key',
    mutate: (o) => (o.data = { 'a b': 'x' }),
    expected: [`data[a b]: Invalid value: "a b": ${CONFIG_KEY_MSG}`],
  },
  {
    name: 'key .. and leading ..',
    mutate: (o) => (o.data = { '..': 'x', '..a': 'y' }),
    expected: [
      `data[..]: Invalid value: "..": must not be '..'`,
      `data[..a]: Invalid value: "..a": must not start with '..'`,
    ],
  },
  {
    name: 'key in both data and binaryData',
    mutate: (o) => (o.binaryData = { KEY_NAME: 'AA==' }),
    expected: ['data[KEY_NAME]: Invalid value: "KEY_NAME": duplicate of key present in binaryData'],
  },
  {
    name: 'too large',
    mutate: (o) => (o.data = { a: 'x'.repeat(1024 * 1024 + 1) }),
    // Upstream reports the whole object with field.NewPath(""), which prints as `[]`.
    expected: ['[]: Too long: may not be more than 1048576 bytes'],
  },
];

void describe('configmap validation', () => {
  runCases(CONFIGMAP, configMapCases, validateCreate, it);
  it('immutable configmaps keep their data', () => {
    const old = defaulted({ ...CONFIGMAP, immutable: true });
    const obj = structuredClone(old);
    obj.data = { a: 'b' };
    obj.immutable = false;
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
});

const SECRET: Json = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default' },
  type: 'Opaque',
  data: { password: 'c2VjcmV0' },
};

const secretCases: Case[] = [
  { name: 'valid secret', mutate: () => undefined, expected: [] },
  {
    name: 'tls needs tls.crt and tls.key',
    mutate: (o) => (o.type = 'kubernetes.io/tls'),
    expected: ['data[tls.crt]: Required value', 'data[tls.key]: Required value'],
  },
  {
    name: 'dockerconfigjson needs .dockerconfigjson',
    mutate: (o) => (o.type = 'kubernetes.io/dockerconfigjson'),
    expected: ['data[.dockerconfigjson]: Required value'],
  },
  {
    name: 'valid dockerconfigjson',
    mutate: (o) => {
      o.type = 'kubernetes.io/dockerconfigjson';
      o.data = { '.dockerconfigjson': btoa('{"auths":{}}') };
    },
    expected: [],
  },
  {
    name: 'service account token needs the annotation',
    mutate: (o) => (o.type = 'kubernetes.io/service-account-token'),
    expected: ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
  },
  {
    name: 'basic auth needs username or password',
    mutate: (o) => {
      o.type = 'kubernetes.io/basic-auth';
      o.data = {};
    },
    expected: ['data[username]: Required value', 'data[password]: Required value'],
  },
  {
    name: 'bad key',
    mutate: (o) => (o.data = { 'a/b': 'eA==' }),
    expected: [`data[a/b]: Invalid value: "a/b": ${CONFIG_KEY_MSG}`],
  },
];

void describe('secret validation', () => {
  runCases(SECRET, secretCases, validateCreate, it);
  it('type is immutable', () => {
    const old = defaulted(SECRET);
    const obj = structuredClone(old);
    obj.type = 'kubernetes.io/basic-auth';
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
    ]);
  });
  it('immutable secrets keep their data', () => {
    const old = defaulted({ ...SECRET, immutable: true });
    const obj = structuredClone(old);
    obj.data = {};
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
});

void describe('namespace, quota, limit range, PVC, endpoints, node, event', () => {
  const cases: { name: string; obj: Json; expected: string[] }[] = [
    {
      name: 'namespace finalizers are qualified names',
      obj: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'n' },
        spec: { finalizers: ['kubernetes', 'foo'] },
      },
      expected: [
        'spec.finalizers: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified',
      ],
    },
    {
      name: 'quota hard values non-negative and standard',
      obj: {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'q', namespace: 'default' },
        spec: { hard: { pods: '-1', bogus: '1', cpu: '1.5' } },
      },
      expected: [
        'spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0',
        'spec.hard[bogus]: Invalid value: "bogus": must be a standard resource for quota',
      ],
    },
    {
      name: 'quota pods must be integral; conflicting scopes',
      obj: {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'q', namespace: 'default' },
        spec: { hard: { pods: '1.5' }, scopes: ['BestEffort', 'NotBestEffort'] },
      },
      expected: [
        'spec.hard[pods]: Invalid value: "1500m": must be an integer',
        'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes',
      ],
    },
    {
      name: 'limit range min above max',
      obj: {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'l', namespace: 'default' },
        spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] },
      },
      expected: [
        'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
        // Defaulting copied max into default and defaultRequest, as upstream's defaulter does.
        'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
        'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
      ],
    },
    {
      name: 'limit range Pod type may not have defaults',
      obj: {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'l', namespace: 'default' },
        spec: { limits: [{ type: 'Pod', default: { cpu: '1' } }] },
      },
      expected: ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"],
    },
    {
      name: 'PVC needs access modes and storage',
      obj: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'c', namespace: 'default' },
        spec: {},
      },
      expected: [
        'spec.accessModes: Required value: at least 1 access mode is required',
        'spec.resources[storage]: Required value',
      ],
    },
    {
      name: 'valid PVC',
      obj: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'c', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
      expected: [],
    },
    {
      name: 'PVC access mode not supported',
      obj: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'c', namespace: 'default' },
        spec: { accessModes: ['ReadWriteSome'], resources: { requests: { storage: '0' } } },
      },
      expected: [
        'spec.accessModes: Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        'spec.resources[storage]: Invalid value: "0": must be greater than zero',
      ],
    },
    {
      name: 'endpoints addresses',
      obj: {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'e', namespace: 'default' },
        subsets: [
          { ports: [{ port: 80 }] },
          { addresses: [{ ip: '127.0.0.1' }, { ip: 'x' }], ports: [{ port: 80, protocol: 'TCP' }] },
        ],
      },
      expected: [
        'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
        'subsets[1].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'subsets[1].addresses[1].ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        'subsets[1].addresses[1].ip: Invalid value: "x": must be a valid IP address',
      ],
    },
    {
      name: 'node taints',
      obj: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n' },
        spec: {
          taints: [
            { key: 'a', effect: 'NoSchedule' },
            { key: 'a', effect: 'NoSchedule' },
            { key: 'b', effect: '' },
          ],
        },
      },
      expected: [
        'metadata.taints[1]: Duplicate value: {"key":"a","effect":"NoSchedule"}: taints must be unique by key and effect pair',
        'metadata.taints[2].effect: Required value',
      ],
    },
    {
      name: 'event namespace must match its object',
      obj: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' },
      },
      expected: [
        'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
      ],
    },
    {
      name: 'valid event for a node in default',
      obj: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e', namespace: 'default' },
        involvedObject: { kind: 'Node', name: 'n' },
        reason: 'Starting',
      },
      expected: [],
    },
    {
      name: 'replication controller template must match selector',
      obj: {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'rc', namespace: 'default' },
        spec: {
          selector: { app: 'a' },
          template: {
            metadata: { labels: { app: 'b' } },
            spec: { containers: [{ name: 'c', image: 'nginx' }] },
          },
        },
      },
      expected: [
        'spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(messages(validateCreate(defaulted(c.obj))), c.expected);
    });
  }

  it('PVC spec is immutable except storage of bound claims', () => {
    const old = defaulted({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'c', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Bound' },
    });
    const grow = structuredClone(old);
    at(grow, 'spec', 'resources', 'requests').storage = '2Gi';
    assert.deepEqual(messages(validateUpdate(grow, old)), []);
    const change = structuredClone(old);
    at(change, 'spec').accessModes = ['ReadWriteMany'];
    assert.deepEqual(messages(validateUpdate(change, old)), [
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
    const shrink = structuredClone(old);
    at(shrink, 'spec', 'resources', 'requests').storage = '500Mi';
    assert.deepEqual(messages(validateUpdate(shrink, old)), [
      'spec.resources.requests.storage: Forbidden: field can not be less than previous value',
    ]);
  });

  it('quota scopes are immutable', () => {
    const old = defaulted({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: 'default' },
      spec: { hard: { pods: '1' }, scopes: ['BestEffort'] },
    });
    const obj = structuredClone(old);
    at(obj, 'spec').scopes = ['NotBestEffort'];
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'spec.scopes: Invalid value: ["NotBestEffort"]: field is immutable',
    ]);
  });

  it('namespace phase must agree with deletionTimestamp', () => {
    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'n' },
      status: { phase: 'Terminating' },
    };
    assert.deepEqual(messages(validateStatusUpdate(ns, ns)), [
      'status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty',
    ]);
  });
});

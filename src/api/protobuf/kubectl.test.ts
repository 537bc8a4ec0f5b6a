import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  decodeKubernetesProtobuf,
  encodeKubernetesProtobuf,
  isKubernetesProtobuf,
} from './envelope.ts';
import { kubectlCaptures } from './testdata/kubectl-1.32.ts';

/** Removes a dotted path from a JSON object (the Go-only zero values listed in `extras`). */
function without(obj: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const copy = structuredClone(obj);
  for (const path of paths) {
    const keys = path.split('.');
    let node: unknown = copy;
    for (const key of keys.slice(0, -1)) node = (node as Record<string, unknown>)[key];
    Reflect.deleteProperty(node as Record<string, unknown>, keys.at(-1) ?? '');
  }
  return copy;
}

describe('bodies captured from the real kubectl v1.32.5', () => {
  for (const capture of kubectlCaptures) {
    it(capture.command, () => {
      assert.ok(isKubernetesProtobuf(capture.contentType));
      const body = Uint8Array.from(Buffer.from(capture.body, 'base64'));
      const { apiVersion, kind, object } = decodeKubernetesProtobuf(body);
      // The JSON kubectl 1.31 sends for the same command, minus Go's non-omitempty zero values.
      assert.deepEqual(object, without(capture.json, capture.extras));
      assert.equal(apiVersion, capture.json.apiVersion);
      assert.equal(kind, capture.json.kind);
      assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(object)).object, object);
    });
  }
});

const podSpec = {
  initContainers: [
    { name: 'init', image: 'busybox', command: ['sh', '-c', 'true'], resources: {} },
  ],
  containers: [
    {
      name: 'app',
      image: 'nginx:1.27',
      args: ['-g', 'daemon off;'],
      workingDir: '/srv',
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      envFrom: [
        { prefix: 'CM_', configMapRef: { name: 'cfg', optional: false } },
        { secretRef: { name: 'sec' } },
      ],
      env: [
        { name: 'A', value: 'b' },
        { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        {
          name: 'MEM',
          valueFrom: {
            resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' },
          },
        },
        { name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } },
      ],
      resources: {
        limits: { cpu: '1', memory: '128Mi', 'nvidia.com/gpu': '1' },
        requests: { cpu: '250m', memory: '64Mi' },
      },
      resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      volumeMounts: [
        {
          name: 'data',
          mountPath: '/data',
          readOnly: true,
          subPath: 'x',
          mountPropagation: 'None',
        },
      ],
      livenessProbe: {
        httpGet: {
          path: '/healthz',
          port: 'http',
          scheme: 'HTTP',
          httpHeaders: [{ name: 'X', value: 'y' }],
        },
        initialDelaySeconds: 3,
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
        terminationGracePeriodSeconds: 0,
      },
      readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
      startupProbe: { exec: { command: ['cat', '/tmp/ok'] } },
      lifecycle: {
        postStart: { exec: { command: ['echo'] } },
        preStop: { sleep: { seconds: 5 } },
      },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
      securityContext: {
        capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
        privileged: false,
        runAsUser: 0,
        runAsNonRoot: false,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        seccompProfile: { type: 'RuntimeDefault' },
        appArmorProfile: { type: 'Localhost', localhostProfile: 'p' },
      },
      stdin: true,
      tty: true,
    },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  activeDeadlineSeconds: 600,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'default',
  serviceAccount: 'default',
  automountServiceAccountToken: false,
  nodeName: 'node-1',
  hostNetwork: true,
  shareProcessNamespace: true,
  securityContext: {
    runAsUser: 1000,
    runAsGroup: 3000,
    fsGroup: 2000,
    supplementalGroups: [4000, 5000],
    sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
    seLinuxOptions: { level: 's0:c123,c456' },
    fsGroupChangePolicy: 'OnRootMismatch',
  },
  imagePullSecrets: [{ name: 'regcred' }],
  hostname: 'h',
  subdomain: 's',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
        ],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 1,
          preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n'] }] },
        },
      ],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
            topologyKey: 'kubernetes.io/hostname',
            namespaces: ['default'],
          },
        },
      ],
    },
  },
  schedulerName: 'default-scheduler',
  tolerations: [
    { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' },
    { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 },
  ],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['a.local'] }],
  priorityClassName: 'high',
  priority: 0,
  dnsConfig: {
    nameservers: ['1.1.1.1'],
    searches: ['svc'],
    options: [{ name: 'ndots', value: '2' }],
  },
  readinessGates: [{ conditionType: 'x/ready' }],
  runtimeClassName: 'runc',
  enableServiceLinks: false,
  preemptionPolicy: 'Never',
  overhead: { cpu: '100m' },
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { a: 'b' } },
    },
  ],
  os: { name: 'linux' },
  hostUsers: false,
  schedulingGates: [{ name: 'gate' }],
  volumes: [
    { name: 'data', persistentVolumeClaim: { claimName: 'pvc', readOnly: true } },
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
    { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    {
      name: 'cfg',
      configMap: { name: 'cfg', items: [{ key: 'k', path: 'p', mode: 256 }], defaultMode: 420 },
    },
    { name: 'sec', secret: { secretName: 'sec', optional: true, defaultMode: 0 } },
    {
      name: 'dapi',
      downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
    },
    {
      name: 'proj',
      projected: {
        sources: [
          { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ],
        defaultMode: 420,
      },
    },
    { name: 'nfs', nfs: { server: 'srv', path: '/export' } },
    {
      name: 'csi',
      csi: { driver: 'd', volumeAttributes: { a: 'b' }, nodePublishSecretRef: { name: 's' } },
    },
    {
      name: 'eph',
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { a: 'b' } },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
            storageClassName: '',
          },
        },
      },
    },
    { name: 'img', image: { reference: 'quay.io/x:1', pullPolicy: 'IfNotPresent' } },
  ],
};

describe('round trips of kubectl-realistic objects through our encoder', () => {
  const objects: Record<string, unknown>[] = [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'full', namespace: 'default', uid: 'u', generation: 3 },
      spec: podSpec,
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: 'db',
        annotations: { a: 'b' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u', controller: true }],
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'db' } },
        serviceName: 'db',
        template: { metadata: { labels: { app: 'db' } }, spec: podSpec },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
          },
        ],
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { partition: 0, maxUnavailable: '25%' },
        },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: { containers: [{ name: 'c', image: 'i' }] },
        },
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
        },
        revisionHistoryLimit: 10,
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np' },
      spec: {
        podSelector: {},
        ingress: [
          {
            from: [
              { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
              { namespaceSelector: { matchLabels: { a: 'b' } } },
            ],
            ports: [{ protocol: 'TCP', port: 80, endPort: 90 }],
          },
        ],
        egress: [{ to: [{ podSelector: { matchLabels: { x: 'y' } } }], ports: [{ port: 'dns' }] }],
        policyTypes: ['Ingress', 'Egress'],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
        behavior: {
          scaleDown: {
            stabilizationWindowSeconds: 300,
            policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
          },
        },
      },
    },
    {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 1,
        maxReplicas: 3,
        targetCPUUtilizationPercentage: 50,
      },
    },
    {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', namespace: 'd' },
      spec: { replicas: 3 },
      status: { replicas: 2, selector: 'app=web' },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'p', namespace: 'd' },
      deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u' } },
    },
    {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
    },
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', creationTimestamp: '2024-01-02T03:04:05Z' },
      involvedObject: { kind: 'Pod', name: 'p', fieldPath: 'spec.containers{app}' },
      reason: 'Started',
      firstTimestamp: '2024-01-02T03:04:05Z',
      count: 2,
      eventTime: '2024-01-02T03:04:05.123456Z',
      series: { count: 3, lastObservedTime: '2024-01-02T03:04:06.000001Z' },
    },
    {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e' },
      eventTime: '2024-01-02T03:04:05.000000Z',
      regarding: { kind: 'Pod', name: 'p' },
      note: 'n',
      deprecatedFirstTimestamp: null,
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'es' },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.0.0.1'],
          conditions: { ready: true, serving: false },
          nodeName: 'n',
          hints: { forZones: [{ name: 'a' }] },
        },
      ],
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'e' },
      subsets: [
        {
          addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'p' } }],
          ports: [{ port: 80 }],
        },
      ],
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv' },
      spec: {
        capacity: { storage: '5Gi' },
        hostPath: { path: '/mnt' },
        accessModes: ['ReadWriteOnce'],
        claimRef: { namespace: 'd', name: 'c' },
        persistentVolumeReclaimPolicy: 'Retain',
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'h', operator: 'Exists' }] }],
          },
        },
      },
      status: { phase: 'Available' },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'sc' },
      provisioner: 'p',
      parameters: { a: 'b' },
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
      volumeBindingMode: 'WaitForFirstConsumer',
    },
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'lr' },
      spec: {
        limits: [
          {
            type: 'Container',
            default: { cpu: '500m' },
            defaultRequest: { cpu: '100m' },
            max: { memory: '1Gi' },
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      spec: {
        podCIDR: '10.244.0.0/24',
        podCIDRs: ['10.244.0.0/24'],
        taints: [{ key: 'k', effect: 'NoSchedule', timeAdded: '2024-01-02T03:04:05Z' }],
        unschedulable: true,
      },
      status: {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastHeartbeatTime: '2024-01-02T03:04:05Z',
            reason: 'KubeletReady',
          },
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: { kubeletVersion: 'v1.32.5', architecture: 'amd64' },
      },
    },
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: {
        user: 'alice',
        groups: ['devs'],
        extra: { scopes: ['a', 'b'] },
        nonResourceAttributes: { path: '/healthz', verb: 'get' },
      },
      status: { allowed: true, reason: 'ok' },
    },
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: {
        hard: { 'requests.cpu': '2', pods: '10' },
        scopeSelector: {
          matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }],
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'cr' },
      data: { spec: { template: { metadata: { labels: { a: 'b' } } } } },
      revision: 2,
    },
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'x',
        deletionTimestamp: '2024-01-02T03:04:05Z',
        deletionGracePeriodSeconds: 0,
        finalizers: ['f'],
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2024-01-02T03:04:05Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': {} },
          },
        ],
      },
      spec: { finalizers: ['kubernetes'] },
      status: {
        phase: 'Terminating',
        conditions: [
          {
            type: 'NamespaceDeletionContentFailure',
            status: 'False',
            lastTransitionTime: '2024-01-02T03:04:05Z',
          },
        ],
      },
    },
  ];
  for (const obj of objects) {
    it(`${String(obj.apiVersion)} ${String(obj.kind)}`, () => {
      assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj)).object, obj);
    });
  }
});

// Decoding speed is measured by bench/protobuf/run.ts (never in a timed unit test); here the
// large objects are only checked for correctness.
describe('large objects', () => {
  it('decodes a 1 MB ConfigMap (1000 files of 1 KB) exactly', () => {
    const data: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) data[`file-${String(i)}.conf`] = 'x = 1\n'.repeat(171);
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data };
    const body = encodeKubernetesProtobuf(object);
    assert.ok(body.length > 1_000_000);
    assert.deepEqual(decodeKubernetesProtobuf(body).object, object);
  });

  it('decodes a map of 16k small entries exactly', () => {
    const data: Record<string, string> = {};
    for (let i = 0; i < 16_000; i++) data[`key-${String(i)}`] = 'v'.repeat(50);
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data };
    const body = encodeKubernetesProtobuf(object);
    assert.ok(body.length > 1_000_000);
    assert.deepEqual(decodeKubernetesProtobuf(body).object, object);
  });
});

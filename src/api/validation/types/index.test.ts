import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareJob, validateCreate, validateStatusUpdate, validateUpdate } from './index.ts';
import { defaulted, messages } from './test-util.ts';
import type { Json } from './test-util.ts';
import { cidrContains, isValidPortName, parseCIDR, parseIP, semanticEqual } from './util.ts';

const ns = { namespace: 'default' };

/** What kubectl's generators send (before server-side defaulting), by command. */
const GENERATED: Record<string, Json> = {
  'kubectl create namespace n': {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'n' },
    spec: {},
    status: {},
  },
  'kubectl create configmap c --from-literal=a=b': {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', ...ns },
    data: { a: 'b' },
  },
  'kubectl create secret generic s --from-literal=a=b': {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', ...ns },
    data: { a: 'Yg==' },
  },
  'kubectl create secret tls t --cert --key': {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 't', ...ns },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' },
  },
  'kubectl create secret docker-registry d': {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'd', ...ns },
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      '.dockerconfigjson': btoa('{"auths":{"r.io":{"username":"u","password":"p","auth":"dTpw"}}}'),
    },
  },
  'kubectl create serviceaccount sa': {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'sa', ...ns },
  },
  'kubectl create quota q --hard=pods=2,cpu=1': {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'q', ...ns },
    spec: { hard: { pods: '2', cpu: '1' } },
    status: {},
  },
  'kubectl run p --image=nginx --port=80': {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...ns, labels: { run: 'p' } },
    spec: {
      containers: [{ name: 'p', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
    },
    status: {},
  },
  'kubectl create deployment web --image=nginx --replicas=3 --port=80': {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', ...ns, labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: {},
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} },
          ],
        },
      },
    },
    status: {},
  },
  'kubectl create service clusterip s --tcp=80:8080': {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', ...ns, labels: { app: 's' } },
    spec: {
      ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }],
      selector: { app: 's' },
      type: 'ClusterIP',
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20'],
    },
    status: { loadBalancer: {} },
  },
  'kubectl create service clusterip h --clusterip=None': {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'h', ...ns, labels: { app: 'h' } },
    spec: { selector: { app: 'h' }, type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] },
  },
  'kubectl create service nodeport np --tcp=80:8080': {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'np', ...ns, labels: { app: 'np' } },
    spec: {
      ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }],
      selector: { app: 'np' },
      type: 'NodePort',
      clusterIP: '10.96.0.21',
      clusterIPs: ['10.96.0.21'],
    },
  },
  'kubectl create service loadbalancer lb --tcp=80:8080': {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'lb', ...ns, labels: { app: 'lb' } },
    spec: {
      ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30081 }],
      selector: { app: 'lb' },
      type: 'LoadBalancer',
      clusterIP: '10.96.0.22',
      clusterIPs: ['10.96.0.22'],
    },
  },
  'kubectl create service externalname e --external-name=example.com': {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'e', ...ns, labels: { app: 'e' } },
    spec: { type: 'ExternalName', externalName: 'example.com', selector: { app: 'e' } },
  },
  'kubectl create job j --image=busybox': {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', ...ns, uid: 'u-1' },
    spec: {
      template: {
        metadata: {},
        spec: {
          containers: [{ name: 'j', image: 'busybox', resources: {} }],
          restartPolicy: 'Never',
        },
      },
    },
    status: {},
  },
  'kubectl create cronjob c --image=busybox --schedule="*/1 * * * *"': {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'c', ...ns },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: {
        metadata: { name: 'c' },
        spec: {
          template: {
            metadata: {},
            spec: {
              containers: [{ name: 'c', image: 'busybox', resources: {} }],
              restartPolicy: 'OnFailure',
            },
          },
        },
      },
    },
    status: {},
  },
  'kubectl create role r --verb=get --resource=pods': {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'r', ...ns },
    rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
  },
  'kubectl create clusterrole c --verb=get --non-resource-url=/logs/*': {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'c' },
    rules: [{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }],
  },
  'kubectl create rolebinding rb --clusterrole=view --group=devs': {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'rb', ...ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }],
  },
  'kubectl create clusterrolebinding crb --clusterrole=admin --serviceaccount=default:sa': {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'crb' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
  },
  'kubectl create ingress i --rule="foo.com/bar=svc1:8080"': {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'i', ...ns },
    spec: {
      rules: [
        {
          host: 'foo.com',
          http: {
            paths: [
              {
                path: '/bar',
                pathType: 'Exact',
                backend: { service: { name: 'svc1', port: { number: 8080 } } },
              },
            ],
          },
        },
      ],
    },
    status: { loadBalancer: {} },
  },
  'kubectl create ingress d --default-backend=svc:http --rule="/path*=svc2:80,tls=s"': {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'd', ...ns },
    spec: {
      defaultBackend: { service: { name: 'svc', port: { name: 'http' } } },
      rules: [
        {
          host: '',
          http: {
            paths: [
              {
                path: '/path',
                pathType: 'Prefix',
                backend: { service: { name: 'svc2', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
      tls: [{ secretName: 's' }],
    },
  },
  'kubectl create priorityclass high --value=1000': {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'high' },
    value: 1000,
    globalDefault: false,
    preemptionPolicy: 'PreemptLowerPriority',
  },
  'kubectl create poddisruptionbudget p --selector=app=a --max-unavailable=25%': {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'p', ...ns },
    spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'a' } } },
    status: { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 },
  },
  'kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=80': {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', ...ns },
    spec: {
      maxReplicas: 5,
      minReplicas: 2,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      targetCPUUtilizationPercentage: 80,
    },
    status: { currentReplicas: 0, desiredReplicas: 0 },
  },
  'node lease from a kubelet': {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'n1', namespace: 'kube-node-lease' },
    spec: {
      holderIdentity: 'n1',
      leaseDurationSeconds: 40,
      renewTime: '2024-01-01T00:00:00.000000Z',
    },
  },
};

void describe('objects from kubectl generators validate cleanly', () => {
  for (const [cmd, obj] of Object.entries(GENERATED)) {
    it(cmd, () => {
      const o = defaulted(obj);
      if (o.kind === 'Job') prepareJob(o, 'u-1');
      assert.deepEqual(messages(validateCreate(o)), []);
      // An update that changes nothing is always valid too.
      assert.deepEqual(messages(validateUpdate(structuredClone(o), o)), []);
      assert.deepEqual(messages(validateStatusUpdate(structuredClone(o), o)), []);
    });
  }
});

void describe('dispatch', () => {
  it('unknown kinds and versions give no errors', () => {
    assert.deepEqual(
      validateCreate({ apiVersion: 'example.com/v1', kind: 'Widget', spec: {} }),
      [],
    );
    assert.deepEqual(
      validateCreate({ apiVersion: 'apps/v1beta1', kind: 'Deployment', spec: {} }),
      [],
    );
    assert.deepEqual(validateUpdate({ kind: 'Pod' }, { kind: 'Pod' }), []);
  });
  it('does not mutate its inputs', () => {
    const pod = defaulted(GENERATED['kubectl run p --image=nginx --port=80'] ?? {});
    const old = structuredClone(pod);
    const changed = structuredClone(pod);
    (changed.spec as Json).nodeName = 'n1';
    const before = structuredClone(changed);
    validateUpdate(changed, old);
    assert.deepEqual(changed, before);
  });
});

void describe('address helpers', () => {
  const ips: [string, boolean][] = [
    ['10.0.0.1', true],
    ['010.000.000.001', true],
    ['256.0.0.1', false],
    ['::1', true],
    ['2001:db8::ffff', true],
    ['::ffff:10.0.0.1', true],
    ['1::2::3', false],
    ['fe80::1%eth0', false],
    ['', false],
  ];
  for (const [ip, ok] of ips) {
    it(`parseIP(${JSON.stringify(ip)})`, () => {
      assert.equal(parseIP(ip) !== undefined, ok);
    });
  }
  it('CIDR containment', () => {
    const net = parseCIDR('10.0.0.0/16');
    const inside = parseIP('10.0.255.1');
    const outside = parseIP('10.1.0.1');
    assert.ok(net && inside && outside);
    assert.equal(cidrContains(net, inside), true);
    assert.equal(cidrContains(net, outside), false);
    assert.equal(parseCIDR('10.0.0.0/33'), undefined);
    assert.equal(parseCIDR('2001:db8::/129'), undefined);
  });
  it('IANA service names', () => {
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
    assert.deepEqual(isValidPortName('-ab'), ['must not begin or end with a hyphen']);
  });
  it('semantic equality treats nil and empty lists alike', () => {
    assert.equal(semanticEqual({ a: [] }, {}), true);
    assert.equal(semanticEqual({ a: null }, { a: undefined }), true);
    assert.equal(semanticEqual({ a: {} }, {}), false);
    assert.equal(semanticEqual([1, 2], [2, 1]), false);
  });
});

// networking, rbac, storage, scheduling, autoscaling and discovery defaults.
import { describe, it } from 'node:test';
import { assertDefaults } from './test-util.ts';
import type { DefaultingCase } from './test-util.ts';

const cases: DefaultingCase[] = [
  {
    name: 'NetworkPolicy: ingress only, port protocols',
    input: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np' },
      spec: {
        podSelector: {},
        ingress: [{ ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }],
      },
    },
    expected: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np' },
      spec: {
        podSelector: {},
        ingress: [
          {
            ports: [
              { port: 80, protocol: 'TCP' },
              { port: 53, protocol: 'UDP' },
            ],
          },
        ],
        policyTypes: ['Ingress'],
      },
    },
  },
  {
    name: 'NetworkPolicy: egress rules add Egress; explicit policyTypes kept',
    input: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicyList',
      items: [
        { spec: { podSelector: {}, egress: [{ ports: [{ port: 443 }] }] } },
        { spec: { podSelector: {}, policyTypes: ['Egress'] } },
      ],
    },
    expected: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicyList',
      items: [
        {
          spec: {
            podSelector: {},
            egress: [{ ports: [{ port: 443, protocol: 'TCP' }] }],
            policyTypes: ['Ingress', 'Egress'],
          },
        },
        { spec: { podSelector: {}, policyTypes: ['Egress'] } },
      ],
    },
  },
  {
    name: 'IngressClass: parameters scope Cluster',
    input: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Params', name: 'p' } },
    },
    expected: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: {
        controller: 'k8s.io/ingress-nginx',
        parameters: { kind: 'Params', name: 'p', scope: 'Cluster' },
      },
    },
  },
  {
    name: 'Ingress: no defaults (pathType is required)',
    input: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: {
        rules: [
          {
            http: {
              paths: [{ path: '/', backend: { service: { name: 's', port: { number: 80 } } } }],
            },
          },
        ],
      },
    },
    expected: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: {
        rules: [
          {
            http: {
              paths: [{ path: '/', backend: { service: { name: 's', port: { number: 80 } } } }],
            },
          },
        ],
      },
    },
  },
  {
    // `kubectl create rolebinding rb --role=r --user=alice --group=devs --serviceaccount=ns:sa`.
    name: 'RoleBinding: subject apiGroups by kind, roleRef apiGroup',
    input: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
        { kind: 'Robot', name: 'r2' },
      ],
    },
    expected: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' },
        { apiGroup: '', kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
        { kind: 'Robot', name: 'r2' },
      ],
    },
  },
  {
    name: 'ClusterRoleBinding: explicit apiGroups kept',
    input: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'crb' },
      roleRef: { apiGroup: 'example.com', kind: 'ClusterRole', name: 'c' },
      subjects: [{ apiGroup: 'example.com', kind: 'User', name: 'bob' }],
    },
    expected: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'crb' },
      roleRef: { apiGroup: 'example.com', kind: 'ClusterRole', name: 'c' },
      subjects: [{ apiGroup: 'example.com', kind: 'User', name: 'bob' }],
    },
  },
  {
    name: 'StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate',
    input: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard' },
      provisioner: 'rancher.io/local-path',
    },
    expected: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard' },
      provisioner: 'rancher.io/local-path',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    },
  },
  {
    name: 'StorageClass: explicit values kept',
    input: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local' },
      provisioner: 'x',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
    expected: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local' },
      provisioner: 'x',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
  },
  {
    name: 'CSIDriver: all spec defaults',
    input: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: 'd' },
      spec: {},
    },
    expected: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: 'd' },
      spec: {
        attachRequired: true,
        podInfoOnMount: false,
        storageCapacity: false,
        fsGroupPolicy: 'ReadWriteOnceWithFSType',
        volumeLifecycleModes: ['Persistent'],
        requiresRepublish: false,
        seLinuxMount: false,
      },
    },
  },
  {
    name: 'VolumeAttachment: inline PV source defaults only',
    input: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'VolumeAttachment',
      metadata: { name: 'va' },
      spec: {
        attacher: 'a',
        nodeName: 'n',
        source: { inlineVolumeSpec: { hostPath: { path: '/x' }, capacity: { storage: '1Gi' } } },
      },
    },
    expected: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'VolumeAttachment',
      metadata: { name: 'va' },
      spec: {
        attacher: 'a',
        nodeName: 'n',
        source: {
          inlineVolumeSpec: { hostPath: { path: '/x', type: '' }, capacity: { storage: '1Gi' } },
        },
      },
    },
  },
  {
    name: 'PriorityClass: preemptionPolicy PreemptLowerPriority',
    input: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
    },
    expected: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
      preemptionPolicy: 'PreemptLowerPriority',
    },
  },
  {
    name: 'PriorityClass: Never kept',
    input: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'low' },
      value: 1,
      preemptionPolicy: 'Never',
    },
    expected: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'low' },
      value: 1,
      preemptionPolicy: 'Never',
    },
  },
  {
    name: 'HPA v2: minReplicas and the CPU 80% metric; no behavior stays none',
    input: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
      },
    },
    expected: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        minReplicas: 1,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
      },
    },
  },
  {
    name: 'HPA v2: a partial behavior is completed for both directions',
    input: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } },
          },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
    },
    expected: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } },
          },
        ],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Pods', value: 4, periodSeconds: 15 },
              { type: 'Percent', value: 100, periodSeconds: 15 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: 60,
            selectPolicy: 'Max',
            policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
          },
        },
      },
    },
  },
  {
    name: 'HPA v1: minReplicas only',
    input: {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { maxReplicas: 3 },
    },
    expected: {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { maxReplicas: 3, minReplicas: 1 },
    },
  },
  {
    name: 'EndpointSlice: port name "" and protocol TCP',
    input: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'es' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'] }],
      ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }],
    },
    expected: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'es' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'] }],
      ports: [
        { port: 80, name: '', protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    },
  },
  {
    name: 'Lease, PodDisruptionBudget, Role, ServiceAccount: no defaults',
    input: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'pdb' },
      spec: { minAvailable: 1 },
    },
    expected: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'pdb' },
      spec: { minAvailable: 1 },
    },
  },
];

describe('networking, rbac, storage, scheduling, autoscaling, discovery defaults', () => {
  for (const c of cases)
    it(c.name, () => {
      assertDefaults(c);
    });
});
